export { startFakeTelegram, type FakeTelegram } from './server.ts';
export type { FakeUser, StoredMessage } from './state.ts';
