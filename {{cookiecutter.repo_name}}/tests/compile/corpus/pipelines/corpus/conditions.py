"""dsl.If / dsl.Elif / dsl.Else on a component's output and on a flag."""

from kfp import dsl

from ._shared import coin, say


@dsl.pipeline
def conditions(seed: int = 1, verbose: bool = False):
    flip = coin(seed=seed)
    with dsl.If(flip.output == "heads"):
        say(message="heads")
    with dsl.Elif(flip.output == "tails"):
        say(message="tails")
    with dsl.Else():
        say(message="edge")
    with dsl.If(verbose == True):  # a KFP condition (E712 is off for KFP code)
        say(message="verbose")
