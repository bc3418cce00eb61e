"""Reads a profile export with GenAI-Perf's own parser and prints its statistics as JSON.

    python test/real/genai_parse.py EXPORT TOKENIZER_JSON

GenAI-Perf normally loads a tokenizer from the Hugging Face hub by name; here it gets a local
tokenizer.json instead (nothing is downloaded). Output: one object per load level, each metric's
avg, p50, p99, min and max in ns.
"""
import json
import sys
from pathlib import Path

from genai_perf.profile_data_parser.llm_profile_data_parser import LLMProfileDataParser
from genai_perf.tokenizer import Tokenizer
from transformers import PreTrainedTokenizerFast


def main() -> None:
    export, tokenizer_file = sys.argv[1], sys.argv[2]
    tokenizer = Tokenizer()
    tokenizer._tokenizer = PreTrainedTokenizerFast(tokenizer_file=tokenizer_file)
    parser = LLMProfileDataParser(filename=Path(export), tokenizer=tokenizer)
    out = []
    for mode, level in parser.get_profile_load_info():
        stats = parser.get_statistics(mode, level).stats_dict
        out.append({
            "mode": mode,
            "level": level,
            "metrics": {
                name: {k: stats[name].get(k) for k in ("avg", "p50", "p99", "min", "max")}
                for name in ("time_to_first_token", "inter_token_latency", "request_latency")
                if name in stats
            },
        })
    print(json.dumps(out))


if __name__ == "__main__":
    main()
