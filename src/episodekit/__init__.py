"""episodekit: a structured summary in, a finished 最佳拍檔-style episode out."""

__version__ = "0.1.0"
