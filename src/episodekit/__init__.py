"""episodekit: a structured summary in, a finished narrated episode out (script, audio, subtitles,
upload files and a podcast feed), for the show described in show.toml."""

__version__ = "0.1.0"
