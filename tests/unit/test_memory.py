"""A started process freezes what start-up made and collects less often; a test process,
which builds many apps, is left as it is."""

from __future__ import annotations

import subprocess
import sys

from syncbot.runtime.memory import THRESHOLDS


def test_tuning_freezes_the_start_up_and_raises_the_thresholds() -> None:
    script = (
        "import gc\n"
        "import syncbot.bootstrap\n"  # what a started process has imported
        "from syncbot.runtime.memory import tune_after_start\n"
        "before = gc.get_freeze_count()\n"
        "tune_after_start()\n"
        "print(before, gc.get_freeze_count() > 10_000, gc.get_threshold())\n"
    )
    shown = (
        subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
        .stdout.strip()
        .split(maxsplit=2)
    )
    assert shown == ["0", "True", str(THRESHOLDS)]


def test_building_the_app_leaves_the_collector_alone() -> None:
    import gc

    from syncbot import bootstrap
    from syncbot.channels_file import ChannelsFile
    from syncbot.config import Settings

    threshold = gc.get_threshold()
    bootstrap.create_app(Settings(database_url="sqlite://:memory:"), ChannelsFile())
    assert gc.get_threshold() == threshold
