#!/usr/bin/env bash
# Train the winner of scripts/Zen_NAS_ImageNet_latency0.1ms.sh on ImageNet with torchrun (DDP) and mixed
# precision (the script name GSNet's README uses; its --apex flag maps to torch.amp autocast + GradScaler,
# NVIDIA apex is not needed), teacher-student distillation, the published 480-epoch recipe.
# Usage: scripts/Zen_NAS_ImageNet_latency0.1ms_train_apex.sh [--dry-run] [more flags]
# Env: SAVE_DIR (default save_dir/Zen_NAS_ImageNet_latency0.1ms), STRUCTURE (default SAVE_DIR/best_structure.txt),
#      IMAGENET_DIR or DATA_DIR (default ~/data/imagenet), NPROC (GPUs, default 8), TEACHER_ARGS, TRAIN_ARGS, PYTHON
exec "$(dirname "$0")/lib/run_train.sh" Zen_NAS_ImageNet_latency0.1ms \
  "torchrun --nproc_per_node={nproc} ts_train_image_classification.py --apex --dataset imagenet --num_classes 1000 --data_dir {data_dir} --input_image_size 224 --arch Masternet.py:MasterNet --plainnet_struct_txt {structure} {imagenet_recipe} {teacher} --save_dir {save_dir}/ts_effnet_b3ns_epochs480_amp" "$@"
