#!/usr/bin/env bash
# Makes runs/data/emodb4.h5, the cross-corpus test set of configs/iemocap.toml: Berlin EmoDB's
# anger, happiness, neutral and sadness (339 utterances, 10 speakers) mapped to IEMOCAP's class names
# and order, from the raw openSMILE ARFF and the metadata in ../shared/data.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${EMOAUG_DATA:-../shared/data}
mkdir -p runs/data
build/emoaug import arff "$DATA/emodb-emobase2010.arff" --metadata "$DATA/emodb-metadata.csv" \
  --label-column emotion --group-column speaker --corpus EmoDB \
  --class angry=anger --class happy=happiness --class neutral=neutral --class sad=sadness \
  -o runs/data/emodb4.h5
