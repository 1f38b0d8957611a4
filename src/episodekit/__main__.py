from episodekit.cli import main

main()
