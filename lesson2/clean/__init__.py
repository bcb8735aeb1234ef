"""Cleaning a dataset folder, the lesson's third step: find the mistakes, fix them, undo.

features   the pretrained body's pooled features of every picture, cached by file content
suspects   find_suspects: out-of-fold scores, the likeliest mislabels first
similar    find_duplicates: exact and transformed copies, grouped
widget     ImageCleaner: review suspects and copies in Jupyter, Apply and Undo
journal    apply / undo / recover: every move logged first, nothing ever lost
planted    plant mislabels and transformed copies, to measure all of the above
noise      does cleaning pay? random versus biased label noise
"""
