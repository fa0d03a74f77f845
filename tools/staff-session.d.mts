// Types for tools/staff-session.mjs.
export interface StaffClient {
  login: string;
  csrf: string;
  cookie(): string;
  fetch(path: string, init?: RequestInit): Promise<Response>;
  browserCookies(): { name: string; value: string; domain: string; path: string; httpOnly: boolean; secure: boolean; sameSite: 'Lax' }[];
}
export function signIn(edgeUrl: string, login: string): Promise<StaffClient>;
