"""Multi-label mode of the PyTorch engine (``labels.mode: "multi-label"``): the same label files, generated labels and
binary cross-entropy as the TypeScript trainer (src/trainer/methods/multiLabel). The report part lives in
ncmonitor.metrics.multilabel."""

from .data import MultiLabelData, load_multi_label_data
from .generator import MultiLabelDataset, generate_multi_label_dataset
from .labels import LabelFileError, LabelMatrix, label_matrix_from_sets, load_label_file, parse_label_csv, parse_label_json
from .method import BinaryCrossEntropy

__all__ = [
    "BinaryCrossEntropy",
    "LabelFileError",
    "LabelMatrix",
    "MultiLabelData",
    "MultiLabelDataset",
    "generate_multi_label_dataset",
    "label_matrix_from_sets",
    "load_label_file",
    "load_multi_label_data",
    "parse_label_csv",
    "parse_label_json",
]
