/**
 * Runs a program with a pseudo-terminal as its stdin, stdout and stderr, as when a person starts
 * it from a shell, and copies what it writes to this process's pipe. Python's pty module does the
 * terminal part (no shell line: the program and its arguments stay an argument array); SIGTERM and
 * SIGINT are passed on to the program, and the exit code is the program's.
 */
const PTY_RUNNER = `
import os, pty, signal, sys
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
for sig in (signal.SIGTERM, signal.SIGINT):
    signal.signal(sig, lambda s, _f: os.kill(pid, s))
while True:
    try:
        data = os.read(fd, 65536)
    except OSError:
        break
    if not data:
        break
    os.write(1, data)
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
`;

/** The command line that runs `file args…` on a terminal of its own. */
export function onTerminal(file: string, args: string[]): { file: string; args: string[] } {
  return { file: "python3", args: ["-c", PTY_RUNNER, file, ...args] };
}
