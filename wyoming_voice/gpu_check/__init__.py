"""The GPU check: each engine on a CUDA GPU with random-weight models of real architectures."""
