"""Step 5, SGD from scratch (notebook 05_sgd_from_scratch) and fitting (notebook 06_fitting).

    from lesson2.sgd.line import line_data, fit, fit_numpy      # fit y = x@a with hand-written SGD
    from lesson2.sgd import line_plots                          # animations and stills of it
    from lesson2.sgd.fitting import poly_data, sweep, train_curves   # under- and overfitting
    from lesson2.sgd import fitting_plots

line           the lesson's line, its loss, gradient descent and minibatch SGD
line_plots     the line and the loss surface, step by step
animation      matplotlib's notebook player, working offline
fitting        polynomials of every degree: underfitting, a good fit, overfitting, weight decay
fitting_plots  their fits and curves
"""
