"""How busy the machine certify runs on is: a verdict the load explains is "too loaded to judge".

A probe thread times its own 5 ms sleeps (they wake late when the CPUs are taken) and reads the
load average about once a second. The latency, contract and load phases all ask it, so a
correct implementation is never failed because this machine was busy.
"""

from __future__ import annotations

import contextlib
import math
import os
import threading
import time
from typing import Any

__all__ = ["OVERSHOOT_MS", "LoadProbe"]

# The machine is "loaded" when the probe's 5 ms sleeps overshoot by more than this at p90.
OVERSHOOT_MS = 10.0


class LoadProbe:
    """Measures how late this process's 5 ms sleeps wake up (and the load average) meanwhile."""

    def __init__(self) -> None:
        self.overshoot_ms: list[float] = []
        self.loadavg: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="certify load probe", daemon=True)

    def __enter__(self) -> LoadProbe:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            started = time.perf_counter()
            time.sleep(0.005)
            self.overshoot_ms.append((time.perf_counter() - started - 0.005) * 1000)
            if len(self.overshoot_ms) % 200 == 0:  # about once a second
                with contextlib.suppress(OSError):  # not on every platform
                    self.loadavg.append(os.getloadavg()[0])

    def overshoot_p90(self) -> float:
        """The probe's p90 overshoot in ms (0 before any sample)."""
        if not self.overshoot_ms:
            return 0.0
        ordered = sorted(self.overshoot_ms)
        return ordered[max(1, math.ceil(0.9 * len(ordered))) - 1]

    def summary(self) -> dict[str, Any]:
        """Whether the machine was saturated: late sleeps, or a load average over the CPUs."""
        cpus = os.cpu_count() or 1
        overshoot = self.overshoot_p90()
        peak = max(self.loadavg, default=0.0)
        return {
            "loaded": overshoot > OVERSHOOT_MS or peak > cpus,
            "probe_overshoot_p90_ms": round(overshoot, 2),
            "loadavg_1m_peak": round(peak, 2),
            "cpus": cpus,
        }

    def describe(self) -> str:
        """The figures in words, for a verdict's reason."""
        s = self.summary()
        return (
            f"probe overshoot p90 {s['probe_overshoot_p90_ms']} ms, load average up to "
            f"{s['loadavg_1m_peak']} on {s['cpus']} CPUs"
        )
