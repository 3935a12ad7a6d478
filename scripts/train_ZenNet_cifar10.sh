#!/usr/bin/env bash
# Train a published ZenNet CIFAR-10 architecture from scratch with the published recipe (1440 epochs, SGD +
# Nesterov, cosine, wd 5e-4, label smoothing, mixup, AutoAugment, random erase, batch 64, one GPU).
# Usage: scripts/train_ZenNet_cifar10.sh [--dry-run] [more flags]    (e.g. --epochs 2 --device cpu for a smoke run)
# Env: MODEL_SIZE (05M, 1M or 2M; default 1M), SAVE_DIR (default save_dir/train_ZenNet_cifar10_<size>),
#      CIFAR10_DIR or DATA_DIR (default ~/data/pytorch_cifar10), TRAIN_ARGS, PYTHON
SIZE=${MODEL_SIZE:-1M}
exec "$(dirname "$0")/lib/run_train.sh" "train_ZenNet_cifar10_$SIZE" \
  "python train_image_classification.py --dataset cifar10 --num_classes 10 --data_dir {data_dir} --input_image_size 32 --arch zennet_cifar10_model_size${SIZE}_res32 {cifar_recipe} --save_dir {save_dir}" "$@"
