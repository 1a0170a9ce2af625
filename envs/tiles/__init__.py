"""The 4x4 tile-revealing meta-RL task of Kumar et al. (2022).

An agent clicks hidden tiles of a 4x4 board to reveal every red tile while revealing as few white
tiles as possible. Boards come from a small pen/turtle program grammar (:mod:`.grammar`), from a
pairwise maximum-entropy model fitted to those boards (:mod:`.control`, statistics-matched boards with
no program structure), or from the human Gibbs-Sampling-with-People data read at run time from a
user-given folder (:mod:`.gsp`). Nothing heavy is imported here.
"""
