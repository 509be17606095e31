# ipsec-agent: see the design card in README.md.
