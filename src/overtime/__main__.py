from overtime.cli import main

main()
