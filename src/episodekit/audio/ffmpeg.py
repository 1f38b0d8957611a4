"""Mastering through ffmpeg: loudness measurement, gain + limiter + MP3 encoding, verification,
and decoding user music files.

Every call uses the ffmpeg that the imageio-ffmpeg wheel ships (there is no ffprobe). The
episode's PCM is 16-bit mono at 24 kHz throughout; ffmpeg never resamples the voice.

Why this shape (measured on the build machine, 1 h of 24 kHz mono): encoding to MP3 takes
~12 s; `ebur128` without true peak ~1.5 s; `ebur128=peak=true` ~6 s; one-pass `loudnorm`
would resample to 192 kHz and cost many times the encode. So the loudness is measured on the PCM
while it is written (a second process fed by the same bytes), the gain and a look-ahead limiter
are applied in the encoding pass, and the encoder's output is teed into a third process that
measures the decoded MP3 on the other core while encoding goes on: the reported loudness is the
final file's, at almost no extra wall time.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path
from typing import IO

import numpy as np

from episodekit.errors import AudioError
from episodekit.media import Loudness, ffmpeg_exe, parse_ebur128, run_ffmpeg
from episodekit.model import SAMPLE_RATE

PCM_ARGS = ("-f", "s16le", "-ar", str(SAMPLE_RATE), "-ac", "1")
MP3_ARGS = ("-c:a", "libmp3lame", "-b:a", "64k", "-ar", str(SAMPLE_RATE), "-ac", "1")


class PcmMeter:
    """An ffmpeg `ebur128` process fed with the PCM as it is written (no second read pass)."""

    def __init__(self) -> None:
        # Closed in kill(); a log file, not a pipe, so a chatty ffmpeg can never block on it.
        self._log: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115
        self._process = subprocess.Popen(
            [ffmpeg_exe(), "-hide_banner", "-nostats", *PCM_ARGS, "-i", "pipe:0",
             "-af", "ebur128=framelog=quiet", "-f", "null", "-"],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=self._log,
        )

    def write(self, data: bytes) -> None:
        assert self._process.stdin is not None
        try:
            self._process.stdin.write(data)
        except BrokenPipeError as error:
            raise AudioError(f"ffmpeg loudness meter stopped: {self._stderr()[-300:]!r}") from error

    def result(self) -> Loudness:
        assert self._process.stdin is not None
        self._process.stdin.close()
        if self._process.wait() != 0:
            raise AudioError(f"ffmpeg loudness meter failed: {self._stderr()[-300:]!r}")
        return parse_ebur128(self._stderr())

    def kill(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        self._log.close()

    def _stderr(self) -> str:
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace")


def limiter_chain(gain_db: float, ceiling_dbfs: float) -> str:
    """The ffmpeg filters that apply `gain_db` and limit sample peaks to `ceiling_dbfs`."""
    limit = max(0.0625, min(1.0, 10 ** (ceiling_dbfs / 20)))
    # latency=1 removes the limiter's look-ahead delay, so samples stay where the timeline put
    # them; the float format keeps a positive gain from clipping before the limiter sees it.
    return (
        f"aformat=sample_fmts=flt,volume={gain_db:.3f}dB,"
        f"alimiter=limit={limit:.6f}:level=disabled:latency=1"
    )


def measure_limited(raw: Path, *, gain_db: float, ceiling_dbfs: float) -> float:
    """Integrated loudness of 16-bit PCM `raw` after the gain and limiter, without encoding.

    The limiter takes loudness away from peaky speech (eSpeak loses ~1.5 LU at a -2.5 dBFS
    ceiling), and by how much depends on the voice: measuring it here costs about a quarter
    of an MP3 encode, where finding it out from the encoded file costs a whole encode.
    """
    result = run_ffmpeg(
        ["-hide_banner", "-nostats", "-nostdin", *PCM_ARGS, "-i", str(raw),
         "-af", f"{limiter_chain(gain_db, ceiling_dbfs)},ebur128=framelog=quiet",
         "-f", "null", "-"],
        failure=f"ffmpeg could not measure {raw.name}",
    )
    return parse_ebur128(result.stderr.decode("utf-8", "replace")).integrated_lufs


def encode_mp3(
    raw: Path, out_tmp: Path, *, gain_db: float, ceiling_dbfs: float, verify: bool = True
) -> Loudness | None:
    """Encode 16-bit PCM `raw` to MP3 at `out_tmp` with a gain and a look-ahead limiter.

    With `verify`, the encoded stream is teed into a decoder that measures integrated loudness
    and true peak of the MP3 as a player will decode it; it runs on another core meanwhile.
    `out_tmp` must be a plain file name in its folder (the tee muxer splits on `|`, `[`, `:`;
    ffmpeg runs inside that folder and is given the bare name).
    """
    chain = limiter_chain(gain_db, ceiling_dbfs)
    # ffmpeg runs inside out_tmp's folder (see above): every other path must be absolute.
    encode = [ffmpeg_exe(), "-v", "error", "-nostdin", "-y", *PCM_ARGS, "-i", str(raw.resolve()),
              "-map", "0:a", "-af", chain, *MP3_ARGS, "-map_metadata", "-1",
              "-id3v2_version", "0"]
    cwd = out_tmp.parent
    if not verify:
        run_ffmpeg([*encode[1:], "-f", "mp3", out_tmp.name], cwd=cwd)
        return None
    encode += ["-f", "tee", f"[f=mp3]{out_tmp.name}|[f=mp3]pipe:1"]
    measure = [ffmpeg_exe(), "-hide_banner", "-nostats", "-f", "mp3", "-i", "pipe:0",
               "-af", "ebur128=framelog=quiet:peak=true", "-f", "null", "-"]
    with tempfile.TemporaryFile() as enc_log, tempfile.TemporaryFile() as meter_log:
        encoder = subprocess.Popen(encode, cwd=cwd, stdout=subprocess.PIPE, stderr=enc_log)
        meter = subprocess.Popen(measure, stdin=encoder.stdout, stdout=subprocess.DEVNULL,
                                 stderr=meter_log)
        assert encoder.stdout is not None
        encoder.stdout.close()  # the meter holds the only reader now
        enc_rc, meter_rc = encoder.wait(), meter.wait()
        if enc_rc != 0:
            raise AudioError(f"ffmpeg could not encode {out_tmp.name}: {_tail(enc_log)!r}")
        if meter_rc != 0:
            raise AudioError(f"ffmpeg could not measure {out_tmp.name}: {_tail(meter_log)!r}")
        meter_log.seek(0)
        return parse_ebur128(meter_log.read().decode("utf-8", "replace"))


def decode_to_f32(source: Path, target: Path) -> int:
    """Decode any audio file to raw float32 mono at 24 kHz in `target`; return its sample count.

    Raises AudioError naming `source` when it is missing or not audio ffmpeg can read.
    """
    if not source.is_file():
        raise AudioError(f"{source}: music file not found")
    run_ffmpeg(
        ["-v", "error", "-nostdin", "-y", "-i", str(source), "-vn",
         "-ac", "1", "-ar", str(SAMPLE_RATE), "-f", "f32le", str(target)],
        failure=f"{source}: cannot decode music file",
    )
    if not target.is_file() or target.stat().st_size == 0:
        raise AudioError(f"{source}: cannot decode music file: no audio in it")
    return target.stat().st_size // np.dtype(np.float32).itemsize


def _tail(log: IO[bytes]) -> str:
    log.seek(0)
    return log.read().decode("utf-8", "replace")[-300:]
