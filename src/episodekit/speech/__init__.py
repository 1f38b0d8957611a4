"""Stage 3, Script -> Segments: voice profiles, the lexicon, the segment cache and the engines."""

from episodekit.speech.cache import SegmentCache, resolve_cache_dir
from episodekit.speech.plan import SegmentPlan
from episodekit.speech.synthesis import SpeechResult, Spoken, planned_speech, synthesize
from episodekit.speech.voices import VoiceProfile, load_profiles

__all__ = [
    "SegmentCache",
    "SegmentPlan",
    "SpeechResult",
    "Spoken",
    "VoiceProfile",
    "load_profiles",
    "planned_speech",
    "resolve_cache_dir",
    "synthesize",
]
