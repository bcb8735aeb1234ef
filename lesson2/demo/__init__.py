"""The offline rehearsal that notebooks 01-04 run on by default: no internet, no downloads.

    from lesson2.demo.build import build_demo_dataset       # the whole dataset flow, offline
    from lesson2.demo.planted import planted_files           # the mistakes the demo planted
    from lesson2.demo.shapes import draw                     # one picture of a class
    from lesson2.demo.outsiders import real_photos, near_shapes   # pictures of no class

shapes      the demo classes, drawn: a picture is a function of (label, seed)
outsiders   pictures unlike the classes: real photos, and other shapes in the same style
localweb    a local HTTP server that misbehaves on purpose, as the web does
build       the demo web of shapes and `build_demo_dataset`
planted     planted mislabels and copies, and the answers to check a cleaner against
tiny_model  a small trained model in seconds, for tests and benchmarks
"""
