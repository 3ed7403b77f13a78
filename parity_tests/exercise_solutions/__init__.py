"""scratch's own rules in the exercises' signatures: the answers a learner who wrote scratch/ would hand in.

Built from scratch's public functions, layers and optimizers only, so that the grader's verdict on them is a
verdict on scratch and on the grader at once.
"""
