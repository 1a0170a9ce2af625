"""The language/program-grounded recurrent meta-RL agent of Kumar et al. (2022), on sb3-contrib.

A RecurrentPPO agent (conv features of the board + previous action and reward -> LSTM) co-trained
with an auxiliary head that predicts an embedding of the current task: its description embedded by
all-MiniLM-L6-v2, its program embedding, or an autoencoder code of the board (a control). Modules:

- :mod:`.policy`: the features extractor and the recurrent policy with the auxiliary head;
- :mod:`.algorithm`: ``GroundedRecurrentPPO`` (RecurrentPPO + auxiliary MSE loss weighted ``aux_coef``);
- :mod:`.targets`: auxiliary target tables (language, program, autoencoder), one row per board;
- :mod:`.evaluate`: the paper's score (white tiles revealed) on fixed test boards;
- :mod:`.experiment`: one training run of one condition, as used by ``scripts/reproduce_kumar2022.py``;
- :mod:`.house`: the same agent on ``House-Instruction-v0``, predicting the instruction's embedding.

torch / sb3 are imported only by these sub-modules, never here.
"""
