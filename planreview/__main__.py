from planreview.cli import entry

entry()
