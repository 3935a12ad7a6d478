#!/usr/bin/env bash
# Train the winner of scripts/Zen_NAS_ImageNet_latency0.1ms.sh on ImageNet with Horovod (the script name
# GSNet's README uses): NPROC processes on this host, teacher-student distillation, the published recipe
# (480 epochs, SGD + Nesterov, cosine, label smoothing, mixup, AutoAugment, random erase, batch 64 per GPU).
# Needs Horovod (scripts/install_horovod.sh).  Usage: scripts/Zen_NAS_ImageNet_latency0.1ms_train.sh [--dry-run] [more flags]
# Env: SAVE_DIR (default save_dir/Zen_NAS_ImageNet_latency0.1ms), STRUCTURE (default SAVE_DIR/best_structure.txt),
#      IMAGENET_DIR or DATA_DIR (default ~/data/imagenet), NPROC (default 8), TEACHER_ARGS, TRAIN_ARGS, PYTHON
exec "$(dirname "$0")/lib/run_train.sh" Zen_NAS_ImageNet_latency0.1ms \
  "horovodrun -np {nproc} -H localhost:{nproc} python ts_train_image_classification.py --dist_mode horovod --dataset imagenet --num_classes 1000 --data_dir {data_dir} --input_image_size 224 --arch Masternet.py:MasterNet --plainnet_struct_txt {structure} {imagenet_recipe} {teacher} --save_dir {save_dir}/ts_effnet_b3ns_epochs480_horovod" "$@"
