"""nnfundamentals' PyTorch implementation: the same models and loop as scratch/, with autograd."""
