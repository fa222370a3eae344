"""Print per-intent F1 from `rasa test nlu` and fail below the quality bar.

Runs with any Python (standard library only): it reads Rasa's intent_report.json.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

MIN_ACCURACY = 0.92
MIN_MACRO_F1 = 0.90


def main(report_path: str) -> int:
    report = json.loads(Path(report_path).read_text())
    print(f"\n{'intent':<16}{'precision':>10}{'recall':>8}{'f1':>8}{'n':>5}")
    for intent, row in sorted(report.items()):
        if (
            isinstance(row, dict)
            and "f1-score" in row
            and intent not in ("macro avg", "weighted avg", "micro avg")
        ):
            print(
                f"{intent:<16}{row['precision']:>10.3f}{row['recall']:>8.3f}"
                f"{row['f1-score']:>8.3f}{row['support']:>5}"
            )
    accuracy = report.get("accuracy", report.get("micro avg", {}).get("f1-score", 0.0))
    macro = report["macro avg"]["f1-score"]
    print(
        f"\nheld-out French NLU: accuracy {accuracy:.3f} (bar {MIN_ACCURACY}), "
        f"macro-F1 {macro:.3f} (bar {MIN_MACRO_F1})"
    )
    if accuracy < MIN_ACCURACY or macro < MIN_MACRO_F1:
        print("FAIL: NLU below the quality bar")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
