from custsvc.cli import main

main()
