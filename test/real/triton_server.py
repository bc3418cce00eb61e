"""A real Triton Inference Server (from nvidia-pytriton) serving a real, small causal language model on the CPU.

The model is a Llama-style transformer with random weights (transformers' LlamaForCausalLM, seeded: no
download), behind the vLLM backend's tensor names — text_input, stream, sampling_parameters,
exclude_input_in_output → text_output — as a decoupled model: one response per generated token. Prefill
really grows with the prompt and each token is a real decode step with a KV cache. The tokenizer is the
test fixture (test/fixtures/tokenizer/tokenizer.json).

    python test/real/triton_server.py [--grpc-port 8001] [--http-port 8000] [--model vllm_model]

Stops on Ctrl-C / SIGTERM.
"""
import argparse
import json
import os
import pathlib

import numpy as np
import torch
from pytriton.model_config import ModelConfig, Tensor
from pytriton.triton import Triton, TritonConfig, TritonSecurityConfig
from tokenizers import Tokenizer
from transformers import LlamaConfig, LlamaForCausalLM

ROOT = pathlib.Path(__file__).resolve().parents[2]


def build_model(vocab: int) -> LlamaForCausalLM:
    torch.manual_seed(0)
    cfg = LlamaConfig(
        vocab_size=vocab,
        hidden_size=256,
        intermediate_size=688,
        num_hidden_layers=4,
        num_attention_heads=4,
        num_key_value_heads=4,
        max_position_embeddings=8192,
    )
    model = LlamaForCausalLM(cfg)
    model.eval()
    return model


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--grpc-port", type=int, default=8001)
    p.add_argument("--http-port", type=int, default=8000)
    p.add_argument("--metrics-port", type=int, default=8002)
    p.add_argument("--model", default="vllm_model")
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args()
    torch.set_num_threads(args.threads)

    tok = Tokenizer.from_file(str(ROOT / "test" / "fixtures" / "tokenizer" / "tokenizer.json"))
    model = build_model(tok.get_vocab_size())

    def scalar(inputs, name, default=None):
        v = inputs.data.get(name)
        if v is None:
            return default
        return np.asarray(v).reshape(-1)[0]

    def infer(requests):
        # Without batching PyTriton hands over one request at a time; each yield is a list of
        # responses aligned with `requests`.
        for req in requests:
            prompt = scalar(req, "text_input", b"")
            prompt = prompt.decode("utf-8") if isinstance(prompt, (bytes, np.bytes_)) else str(prompt)
            params_raw = scalar(req, "sampling_parameters", b"{}")
            params = json.loads(params_raw.decode("utf-8") if isinstance(params_raw, (bytes, np.bytes_)) else params_raw or "{}")
            max_tokens = int(params.get("max_tokens", 16))
            stream = bool(scalar(req, "stream", False))
            ids = tok.encode(prompt).ids or [0]
            with torch.inference_mode():
                out = model(torch.tensor([ids]), use_cache=True)
                past = out.past_key_values
                texts = []
                for k in range(max_tokens):
                    nxt = int(out.logits[0, -1].argmax())
                    piece = tok.decode([nxt])
                    if stream:
                        yield [{"text_output": np.array([piece.encode("utf-8")], dtype=np.object_)}]
                    else:
                        texts.append(piece)
                    if k + 1 < max_tokens:
                        out = model(torch.tensor([[nxt]]), past_key_values=past, use_cache=True)
                        past = out.past_key_values
                if not stream:
                    yield [{"text_output": np.array(["".join(texts).encode("utf-8")], dtype=np.object_)}]

    config = TritonConfig(grpc_port=args.grpc_port, http_port=args.http_port, metrics_port=args.metrics_port)
    # perf_analyzer reads the statistics endpoint, which PyTriton restricts by default: a benchmark
    # server on loopback leaves every endpoint open.
    with Triton(config=config, security_config=TritonSecurityConfig(restricted_endpoints=[])) as triton:
        triton.bind(
            model_name=args.model,
            infer_func=infer,
            inputs=[
                Tensor(name="text_input", dtype=bytes, shape=(1,)),
                Tensor(name="stream", dtype=np.bool_, shape=(1,), optional=True),
                Tensor(name="sampling_parameters", dtype=bytes, shape=(1,), optional=True),
                Tensor(name="exclude_input_in_output", dtype=np.bool_, shape=(1,), optional=True),
            ],
            outputs=[Tensor(name="text_output", dtype=bytes, shape=(-1,))],
            config=ModelConfig(decoupled=True, batching=False),
            strict=False,
        )
        print(f"serving {args.model} on gRPC 127.0.0.1:{args.grpc_port}", flush=True)
        triton.serve()


if __name__ == "__main__":
    main()
