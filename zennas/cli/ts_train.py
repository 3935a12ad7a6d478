"""``ts_train_image_classification.py`` / ``zennas-ts-train``: distil a teacher into a searched student.

Every option of train_image_classification.py plus the ``--teacher_*`` / ``--ts_*`` group (ZENNAS_SPEC
§6.4): stage-feature distillation (1x1 projections, smooth-L1 to the resized teacher features,
``--ts_clip``) weighted by ``--teacher_feature_weight``, and logit distillation (soft cross-entropy to the
teacher's softmax at temperature ``--teacher_logit_temperature``) weighted by ``--teacher_logit_weight``.
Writes student_best-params_rank0.pth (the student alone; val.py reads it) besides the usual files.
"""

from __future__ import annotations

import sys

from zennas.cli.train import run

PROG = "ts_train_image_classification.py"


def main(argv: list[str] | None = None) -> int:
    return run(argv, prog=PROG, description=__doc__, distill=True)


if __name__ == "__main__":
    sys.exit(main())
