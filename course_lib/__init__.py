"""Plumbing the course labs share. Teaching code stays in the notebooks.

Each helper's docstring names the lab that introduced it.
"""

from course_lib.checks import check_array, check_equal, rel_error
from course_lib.data import DataFileError, load_mnist
from course_lib.metrics import report_metric
from course_lib.seeds import set_seed

__all__ = [
    "DataFileError",
    "check_array",
    "check_equal",
    "load_mnist",
    "rel_error",
    "report_metric",
    "set_seed",
]
