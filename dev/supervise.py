"""Keep one service running, as systemd's Restart=always or a container runtime would.

usage: supervise.py COMMAND [ARGS...]
Runs COMMAND, and runs it again whenever it exits (after a short, growing pause, reset once it
has stayed up for a minute), so a killed process or one that gave up while PostgreSQL was
restarting comes back by itself. SIGTERM or SIGINT stops COMMAND and the supervisor.
"""

import signal
import subprocess
import sys
import time

PAUSES = (1, 2, 5)  # seconds before each restart in a row; the last repeats
STABLE = 60  # seconds of uptime after which a crash counts as the first one again


def main(command):
    stopping = False
    child = None

    def stop(signum, _frame):
        nonlocal stopping
        stopping = True
        if child is not None and child.poll() is None:
            child.send_signal(signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    crashes = 0
    while not stopping:
        started = time.monotonic()
        child = subprocess.Popen(command)
        code = child.wait()
        if stopping:
            break
        crashes = 0 if time.monotonic() - started > STABLE else crashes + 1
        pause = PAUSES[min(crashes, len(PAUSES)) - 1] if crashes else PAUSES[0]
        print(f"[supervise] {command[0]} exited with {code}; restarting in {pause}s", flush=True)
        time.sleep(pause)
    return child.wait() if child is not None else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
