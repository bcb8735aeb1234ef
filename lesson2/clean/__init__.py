"""Step 3, cleaning a dataset folder (notebook 03_clean): find the mistakes, fix them, undo.

    from lesson2.clean.suspects import find_suspects      # the likeliest mislabels first
    from lesson2.clean.similar import find_duplicates     # exact and transformed copies
    from lesson2.clean.widget import ImageCleaner         # review them in Jupyter, Apply, Undo

features   every picture's pooled features and thumbnail, cached by file content
suspects   find_suspects: out-of-fold scores, the likeliest mislabels first
similar    find_duplicates: exact and transformed copies, grouped
widget     ImageCleaner: review suspects and copies in Jupyter, Apply and Undo
journal    apply / undo / recover: every move logged first, nothing ever lost
noise      does cleaning pay? random versus biased label noise
payoff     before and after on the same validation pictures, in pictures

The planted mistakes that measure all of this live in lesson2.demo.planted.
"""
