#!/usr/bin/env python3
"""Writes a tiny Llama-architecture model with random weights as GGUF (with the `gguf` package), so
that a real llama.cpp server can serve it here: nothing is downloaded. Its output is gibberish; what
matters is that a real server tokenizes, prefills, decodes and streams it.

Usage: tiny_gguf.py OUT.gguf [--layers 2] [--embd 128] [--ff 256] [--heads 4] [--ctx 4096]

Vocabulary: a SentencePiece-style ("llama") tokenizer of <unk> <s> </s>, the 256 byte-fallback
tokens <0x00>..<0xFF>, and a few hundred word pieces ("▁word"), so any text tokenizes.
"""
import argparse

import numpy as np
from gguf import GGUFWriter, TokenType

WORDS = (
    'the a of to and in is it that for on with as was at by be this are from or have an they which one you were all we '
    'her she there would their will when who him been has more if no out do so can what up said about other into than '
    'its time only could new them man some these then two first may any like now my such make over our even most me '
    'state after also made many did must before back see through way where get much go well your know should down work '
    'year because come people just say each those take day good how long very own world here three high old life mean '
    'model token server client prompt latency measure stream first fast slow queue batch decode prefill cache memory '
    'alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau upsilon phi chi psi omega '
    'quick brown fox jumps over lazy dog engineers answer holds takes grows between while'
).split()

CHAT_TEMPLATE = (
    "{% for message in messages %}<s>{{ message['role'] }}\n{{ message['content'] }}</s>\n{% endfor %}"
    "{% if add_generation_prompt %}<s>assistant\n{% endif %}"
)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('out')
    ap.add_argument('--layers', type=int, default=2)
    ap.add_argument('--embd', type=int, default=128)
    ap.add_argument('--ff', type=int, default=256)
    ap.add_argument('--heads', type=int, default=4)
    ap.add_argument('--ctx', type=int, default=4096)
    ap.add_argument('--seed', type=int, default=1)
    a = ap.parse_args()

    tokens, scores, types = [b'<unk>', b'<s>', b'</s>'], [0.0, 0.0, 0.0], [TokenType.UNKNOWN, TokenType.CONTROL, TokenType.CONTROL]
    for b in range(256):
        tokens.append(f'<0x{b:02X}>'.encode())
        scores.append(0.0)
        types.append(TokenType.BYTE)
    seen = set()
    for i, w in enumerate(WORDS):
        for piece in ('\u2581' + w, w):
            if piece in seen:
                continue
            seen.add(piece)
            tokens.append(piece.encode())
            scores.append(-float(i + 1))
            types.append(TokenType.NORMAL)
    for ch in 'abcdefghijklmnopqrstuvwxyz0123456789.,!?\'"-:;()\n':
        for piece in (ch, '\u2581' + ch):
            if piece not in seen:
                seen.add(piece)
                tokens.append(piece.encode())
                scores.append(-1000.0)
                types.append(TokenType.NORMAL)
    if '\u2581' not in seen:
        tokens.append('\u2581'.encode())
        scores.append(-1000.0)
        types.append(TokenType.NORMAL)
    n_vocab = len(tokens)

    w = GGUFWriter(a.out, 'llama')
    w.add_name('palens-tiny-random-llama')
    w.add_context_length(a.ctx)
    w.add_embedding_length(a.embd)
    w.add_block_count(a.layers)
    w.add_feed_forward_length(a.ff)
    w.add_head_count(a.heads)
    w.add_head_count_kv(a.heads)
    w.add_rope_dimension_count(a.embd // a.heads)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_file_type(0)  # all F32
    w.add_tokenizer_model('llama')
    w.add_token_list(tokens)
    w.add_token_scores(scores)
    w.add_token_types(types)
    w.add_bos_token_id(1)
    w.add_eos_token_id(2)
    w.add_unk_token_id(0)
    w.add_add_bos_token(True)
    w.add_add_eos_token(False)
    w.add_chat_template(CHAT_TEMPLATE)

    rng = np.random.default_rng(a.seed)
    r = lambda *shape: (rng.standard_normal(shape) * 0.02).astype(np.float32)
    ones = lambda n: np.ones(n, dtype=np.float32)
    # numpy shapes are ggml's dimensions reversed: token_embd is ne {n_embd, n_vocab} → (n_vocab, n_embd).
    w.add_tensor('token_embd.weight', r(n_vocab, a.embd))
    for i in range(a.layers):
        w.add_tensor(f'blk.{i}.attn_norm.weight', ones(a.embd))
        for t in ('attn_q', 'attn_k', 'attn_v', 'attn_output'):
            w.add_tensor(f'blk.{i}.{t}.weight', r(a.embd, a.embd))
        w.add_tensor(f'blk.{i}.ffn_norm.weight', ones(a.embd))
        w.add_tensor(f'blk.{i}.ffn_gate.weight', r(a.ff, a.embd))
        w.add_tensor(f'blk.{i}.ffn_up.weight', r(a.ff, a.embd))
        w.add_tensor(f'blk.{i}.ffn_down.weight', r(a.embd, a.ff))
    w.add_tensor('output_norm.weight', ones(a.embd))
    out = r(n_vocab, a.embd)
    # Rows of <unk>, <s>, </s> and the byte tokens are zero: their logit is 0 while the word pieces'
    # vary around it, so the top token is a word piece (visible text in every streamed event; a byte
    # token alone can be half a UTF-8 character, which servers stream as an empty delta).
    out[:259] = 0
    w.add_tensor('output.weight', out)

    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    print(f'{a.out}: llama, {a.layers} layers, {a.embd} wide, vocab {n_vocab}')


if __name__ == '__main__':
    main()
