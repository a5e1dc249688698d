#!/usr/bin/env python3
"""CPU time of a whole process up to the moment a line arrives on its output, for comparing processes on a busy
machine where wall time says little (README, "The native process against QEMU").

    benchmarks/Cli/cpu-to-line.py 'Linux version' bin/native/loader-harness boot ... --console
    benchmarks/Cli/cpu-to-line.py 'Linux version' qemu-system-x86_64 -M microvm ...

Reads stdout and stderr until the text appears, then sums the CPU time of every thread of the process
(/proc/PID/task/*/schedstat, first field: nanoseconds on a CPU; Documentation/scheduler/sched-stats.rst), kills it
and prints "cpu S wall S". A process that exits first is reported with the CPU time of its threads then.
"""
import os
import subprocess
import sys
import time


def cpu_seconds(pid):
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError):
            pass  # a thread that ended meanwhile
    return total / 1e9


def main():
    until, command = sys.argv[1].encode(), sys.argv[2:]
    start = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.PIPE)
    seen = b""
    cpu = float("nan")
    while True:
        chunk = os.read(process.stdout.fileno(), 65536)
        if chunk:
            seen += chunk
        if until in seen or not chunk:
            try:
                cpu = cpu_seconds(process.pid)
            except OSError:
                pass
            break
    wall = time.monotonic() - start
    process.kill()
    process.wait()
    print(f"cpu {cpu:.3f} wall {wall:.3f}" + ("" if until in seen else " (line not seen)"))


if __name__ == "__main__":
    main()
