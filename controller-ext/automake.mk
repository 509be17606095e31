# controller-ext: see the design card in README.md.
