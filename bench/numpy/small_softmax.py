"""small_softmax: the softmax of softmax.py on a small matrix, called many
times (loom-bench passes --reps)."""
from common import main
from softmax import inputs, program

if __name__ == "__main__":
    main(inputs, program)
