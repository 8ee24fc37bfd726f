from certflow.cli import main

main()
