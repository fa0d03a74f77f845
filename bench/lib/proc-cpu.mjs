// CPU time of local processes from /proc (Linux), so a benchmark can report
// CPU milliseconds per request for each side of a comparison. Counts of
// processes that exit in between are lost; the processes measured here live
// for the whole run.
import { readdirSync, readFileSync } from 'node:fs';

const TICK_MS = 10; // USER_HZ is 100 on Linux (getconf CLK_TCK)

function readStat(pid) {
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may contain spaces; state is field 3.
    const comm = raw.slice(raw.indexOf('(') + 1, raw.lastIndexOf(')'));
    const f = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
    return { comm, ppid: Number(f[1]), pgrp: Number(f[2]), cpuMs: (Number(f[11]) + Number(f[12])) * TICK_MS };
  } catch {
    return null;
  }
}

function readCmdline(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

const pids = () => readdirSync('/proc').filter((d) => /^\d+$/.test(d));

/** The first process whose command line matches, with its process group; null when none (or not Linux). */
export function findProcess(pattern) {
  for (const pid of pids()) {
    const stat = pattern.test(readCmdline(pid)) ? readStat(pid) : null;
    if (stat !== null) {
      return { pid: Number(pid), pgrp: stat.pgrp };
    }
  }
  return null;
}

/**
 * User + system CPU ms of every live process in the group, total and by
 * command name (e.g. `{ workerd: …, node: … }`).
 */
export function groupCpuMs(pgrp) {
  if (pgrp === null) {
    return null;
  }
  const byCommand = {};
  let total = 0;
  for (const pid of pids()) {
    const s = readStat(pid);
    if (s !== null && s.pgrp === pgrp) {
      total += s.cpuMs;
      byCommand[s.comm] = (byCommand[s.comm] ?? 0) + s.cpuMs;
    }
  }
  return { total, byCommand };
}

/** CPU ms of a process and its live direct children (a PostgreSQL server and its backends). */
export function treeCpuMs(pid) {
  if (pid === null) {
    return null;
  }
  let total = 0;
  for (const p of pids()) {
    const s = readStat(p);
    if (s !== null && (Number(p) === pid || s.ppid === pid)) {
      total += s.cpuMs;
    }
  }
  return total;
}

/** CPU ms of one process (its threads included). */
export function processCpuMs(pid) {
  return readStat(pid)?.cpuMs ?? null;
}
