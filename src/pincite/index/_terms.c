/* A field's terms written as Whoosh's W3 codec writes them: segwriter._write_terms and
   segwriter._write_hashes in C (pincite.index.segwriter).

   Finishing a segment of the real PDFs was a third of a rebuild, most of it _write_terms: for each
   of the 17,000 terms and 17,600 blocks a dozen Python steps, two pickles and, for the 4,300 blocks
   of 8 postings or more, a zlib.compress that sets up and frees a fresh deflate state (~60 us)
   whatever its input. This module takes the same steps in the same order: the pickles (protocol 2,
   as pickle.dumps writes them, memo included: a value object met twice in a block is fetched back,
   bytes go through _codecs.encode), one deflate state reset for each block (the same stream as a
   fresh one), MD5 for the term index's hashes. tests/test_index_segwriter.py compares both paths
   with each other and with Whoosh's own writer.

   write_terms(terms, lengths, limit, small, level, fixedsize, fieldkey, base, tbase, length_to_byte,
               buckets)
       -> (postings bytes, term index bytes, the records' positions (int64 in the machine's
          order), last key); each term's (hash, position) appended to buckets[hash & 255]
       or None when a posting is not what this path reads (a docnum that is not an int of 32 bits, a
       weight that is not a finite float, a value neither bytes nor None, a length that is not an
       int, a block without lengths after one with, a level zlib refuses): then the Python function
       decides, and raises where it raises. Nothing is written or changed then; otherwise only
       the buckets: the caller writes the bytes.
       fixedsize: the format's fixed value size, -1 for None (variable).
       base, tbase: where the postings and the term records start in their files.

   hash_tables(buckets, start) -> (bytes of the 256 hash tables, directory [(position, slots)])
       or None when an entry is not a pair of ints that fit.

   zlib_version() -> the version of the zlib this module runs with (the caller uses the module only
   where it is the one Python's zlib module runs with, so the compressed blocks are the same).
*/
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <zlib.h>

/* ---- a growable byte buffer ----------------------------------------------------------------- */

typedef struct {
    char *p;
    Py_ssize_t n, cap;
} Buf;

static int buf_grow(Buf *b, Py_ssize_t more) {
    if (b->n + more <= b->cap) return 0;
    Py_ssize_t cap = b->cap ? b->cap : 4096;
    while (cap < b->n + more) cap *= 2;
    char *p = PyMem_Realloc(b->p, cap);
    if (!p) {
        PyErr_NoMemory();
        return -1;
    }
    b->p = p;
    b->cap = cap;
    return 0;
}

static inline int buf_put(Buf *b, const void *s, Py_ssize_t n) {
    if (buf_grow(b, n) < 0) return -1;
    memcpy(b->p + b->n, s, n);
    b->n += n;
    return 0;
}

static inline int buf_byte(Buf *b, unsigned char c) {
    if (b->n >= b->cap && buf_grow(b, 1) < 0) return -1;
    b->p[b->n++] = (char)c;
    return 0;
}

static void put_be32(unsigned char *o, uint32_t v) {
    o[0] = v >> 24;
    o[1] = v >> 16;
    o[2] = v >> 8;
    o[3] = v;
}

static void put_be64(unsigned char *o, uint64_t v) {
    for (int i = 7; i >= 0; i--) {
        o[i] = v & 0xff;
        v >>= 8;
    }
}

static void put_le32(unsigned char *o, uint32_t v) {
    o[0] = v;
    o[1] = v >> 8;
    o[2] = v >> 16;
    o[3] = v >> 24;
}

static uint32_t float_bits(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

static uint64_t double_bits(double d) {
    uint64_t u;
    memcpy(&u, &d, 8);
    return u;
}

/* ---- MD5 (RFC 1321), for the term index's hashes: the last 4 bytes of the digest ------------- */

static const uint32_t md5_k[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391};
static const unsigned char md5_r[64] = {7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
                                        5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20,
                                        4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                                        6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21};

static void md5_block(uint32_t h[4], const unsigned char *p) {
    uint32_t w[16];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 | (uint32_t)p[4 * i + 2] << 16 |
               (uint32_t)p[4 * i + 3] << 24;
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
    for (int i = 0; i < 64; i++) {
        uint32_t f;
        int g;
        if (i < 16) {
            f = (b & c) | (~b & d);
            g = i;
        } else if (i < 32) {
            f = (d & b) | (~d & c);
            g = (5 * i + 1) & 15;
        } else if (i < 48) {
            f = b ^ c ^ d;
            g = (3 * i + 5) & 15;
        } else {
            f = c ^ (b | ~d);
            g = (7 * i) & 15;
        }
        uint32_t t = d;
        d = c;
        c = b;
        uint32_t x = a + f + md5_k[i] + w[g];
        b = b + ((x << md5_r[i]) | (x >> (32 - md5_r[i])));
        a = t;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
}

/* int.from_bytes(md5(key).digest()[-4:]): the big-endian value of the digest's last word */
static uint32_t md5_tail(const unsigned char *s, Py_ssize_t n) {
    uint32_t h[4] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
    Py_ssize_t i = 0;
    for (; i + 64 <= n; i += 64) md5_block(h, s + i);
    unsigned char tail[128];
    Py_ssize_t rest = n - i;
    memcpy(tail, s + i, rest);
    tail[rest] = 0x80;
    Py_ssize_t len = rest + 1 <= 56 ? 64 : 128;
    memset(tail + rest + 1, 0, len - rest - 1);
    uint64_t bits = (uint64_t)n * 8;
    for (int k = 0; k < 8; k++) tail[len - 8 + k] = (unsigned char)(bits >> (8 * k));
    md5_block(h, tail);
    if (len == 128) md5_block(h, tail + 64);
    uint32_t d = h[3]; /* little-endian in the digest: bytes 12..15 */
    return (d & 0xff) << 24 | (d >> 8 & 0xff) << 16 | (d >> 16 & 0xff) << 8 | d >> 24;
}

/* ---- pickle protocol 2, as pickle.dumps(obj, 2) writes the shapes of a posting block --------- */

typedef struct {
    Buf *b;
    Py_ssize_t memo;        /* entries in the pickle's memo so far */
    Py_ssize_t encode_at;   /* memo index of _codecs.encode, -1 before it is written */
    Py_ssize_t latin1_at;   /* of the str 'latin1' */
    Py_ssize_t bytes_at;    /* of the builtin bytes (an empty bytes object's reduce) */
    /* objects written in this pickle that a later occurrence fetches back: the value bytes, and
       the str of one latin-1 character (CPython's singletons) */
    PyObject **seen;
    Py_ssize_t *seen_at;
    Py_ssize_t nseen, capseen;
    Py_ssize_t char_at[256]; /* memo index of the str of each latin-1 character, -1 */
    int chars_used;          /* some char_at set since the table was cleared */
} Pickler;

static void pk_init(Pickler *k) {
    memset(k, 0, sizeof *k);
    for (int i = 0; i < 256; i++) k->char_at[i] = -1;
}

static void pk_start(Pickler *k, Buf *b) { /* a new pickle into b */
    k->b = b;
    k->memo = 0;
    k->encode_at = k->latin1_at = k->bytes_at = -1;
    k->nseen = 0;
    if (k->chars_used) {
        for (int i = 0; i < 256; i++) k->char_at[i] = -1;
        k->chars_used = 0;
    }
}

static int pk_memo(Pickler *k, Py_ssize_t i, unsigned char one_byte, unsigned char four_bytes) {
    /* a memo opcode with index i: its 1-byte form below 256, else its 4-byte form */
    if (i < 256) {
        unsigned char o[2] = {one_byte, (unsigned char)i};
        return buf_put(k->b, o, 2);
    }
    unsigned char o[5] = {four_bytes};
    put_le32(o + 1, (uint32_t)i);
    return buf_put(k->b, o, 5);
}

static int pk_put(Pickler *k) { /* BINPUT / LONG_BINPUT of the next memo index */
    return pk_memo(k, k->memo++, 'q', 'r');
}

static int pk_get(Pickler *k, Py_ssize_t i) { /* BINGET / LONG_BINGET */
    return pk_memo(k, i, 'h', 'j');
}

static int pk_int(Pickler *k, long v) { /* BININT1, BININT2, BININT (v fits 32 signed bits) */
    unsigned char o[5];
    uint32_t u = (uint32_t)v;
    if (u >> 16) {
        o[0] = 'J';
        put_le32(o + 1, u);
        return buf_put(k->b, o, 5);
    }
    if (u >> 8) {
        o[0] = 'M';
        o[1] = u & 0xff;
        o[2] = u >> 8;
        return buf_put(k->b, o, 3);
    }
    o[0] = 'K';
    o[1] = (unsigned char)u;
    return buf_put(k->b, o, 2);
}

static int pk_float(Pickler *k, double d) { /* BINFLOAT */
    unsigned char o[9] = {'G'};
    put_be64(o + 1, double_bits(d));
    return buf_put(k->b, o, 9);
}

static int pk_tuple_open(Pickler *k, Py_ssize_t n) { return n > 3 ? buf_byte(k->b, '(') : 0; }

static int pk_tuple_close(Pickler *k, Py_ssize_t n) { /* TUPLE1/2/3 or TUPLE, then memoized */
    static const unsigned char op[4] = {')', 0x85, 0x86, 0x87};
    if (buf_byte(k->b, n > 3 ? 't' : op[n]) < 0) return -1;
    return pk_put(k);
}

static Py_ssize_t pk_seen(Pickler *k, PyObject *o) {
    for (Py_ssize_t i = 0; i < k->nseen; i++)
        if (k->seen[i] == o) return k->seen_at[i];
    return -1;
}

static int pk_remember(Pickler *k, PyObject *o, Py_ssize_t at) {
    if (k->nseen == k->capseen) {
        Py_ssize_t cap = k->capseen ? 2 * k->capseen : 64;
        PyObject **s = PyMem_Realloc(k->seen, cap * sizeof(PyObject *));
        if (!s) {
            PyErr_NoMemory();
            return -1;
        }
        k->seen = s;
        Py_ssize_t *a = PyMem_Realloc(k->seen_at, cap * sizeof(Py_ssize_t));
        if (!a) {
            PyErr_NoMemory();
            return -1;
        }
        k->seen_at = a;
        k->capseen = cap;
    }
    k->seen[k->nseen] = o;
    k->seen_at[k->nseen++] = at;
    return 0;
}

static const char GLOBAL_ENCODE[] = "c_codecs\nencode\n";
static const char GLOBAL_BYTES[] = "c__builtin__\nbytes\n";

/* a bytes value: _codecs.encode(s.decode('latin-1'), 'latin1') reduced, or bytes() when empty;
   `obj` is the object (a later occurrence in the same pickle is fetched back), or NULL for a
   value that is not kept (nothing else in the pickle can be it) */
static int pk_bytes(Pickler *k, PyObject *obj, const unsigned char *s, Py_ssize_t n) {
    if (obj) {
        Py_ssize_t at = pk_seen(k, obj);
        if (at >= 0) return pk_get(k, at);
    }
    Buf *b = k->b;
    if (n == 0) {
        if (k->bytes_at >= 0) {
            if (pk_get(k, k->bytes_at) < 0) return -1;
        } else {
            if (buf_put(b, GLOBAL_BYTES, sizeof GLOBAL_BYTES - 1) < 0) return -1;
            k->bytes_at = k->memo;
            if (pk_put(k) < 0) return -1;
        }
        if (buf_byte(b, ')') < 0 || buf_byte(b, 'R') < 0) return -1;
    } else {
        if (k->encode_at >= 0) {
            if (pk_get(k, k->encode_at) < 0) return -1;
        } else {
            if (buf_put(b, GLOBAL_ENCODE, sizeof GLOBAL_ENCODE - 1) < 0) return -1;
            k->encode_at = k->memo;
            if (pk_put(k) < 0) return -1;
        }
        if (n == 1 && k->char_at[s[0]] >= 0) { /* the same str singleton as before */
            if (pk_get(k, k->char_at[s[0]]) < 0) return -1;
        } else {
            Py_ssize_t high = 0; /* latin-1 characters of two UTF-8 bytes */
            for (Py_ssize_t i = 0; i < n; i++) high += s[i] >> 7;
            if (n + high > 0xffffffffLL) {
                PyErr_SetString(PyExc_OverflowError, "a value too long to pickle here");
                return -1;
            }
            unsigned char o[5] = {'X'};
            put_le32(o + 1, (uint32_t)(n + high));
            if (buf_put(b, o, 5) < 0 || buf_grow(b, n + high) < 0) return -1;
            unsigned char *w = (unsigned char *)b->p + b->n;
            for (Py_ssize_t i = 0; i < n; i++) {
                unsigned char c = s[i];
                if (c < 0x80) {
                    *w++ = c;
                } else {
                    *w++ = 0xc0 | c >> 6;
                    *w++ = 0x80 | (c & 0x3f);
                }
            }
            b->n += n + high;
            if (n == 1) {
                k->char_at[s[0]] = k->memo;
                k->chars_used = 1;
            }
            if (pk_put(k) < 0) return -1;
        }
        if (k->latin1_at >= 0) {
            if (pk_get(k, k->latin1_at) < 0) return -1;
        } else {
            static const unsigned char l1[] = {'X', 6, 0, 0, 0, 'l', 'a', 't', 'i', 'n', '1'};
            if (buf_put(b, l1, sizeof l1) < 0) return -1;
            k->latin1_at = k->memo;
            if (pk_put(k) < 0) return -1;
        }
        if (buf_byte(b, 0x86) < 0 || pk_put(k) < 0) return -1; /* the args tuple, memoized */
        if (buf_byte(b, 'R') < 0) return -1;
    }
    if (obj && pk_remember(k, obj, k->memo) < 0) return -1;
    return pk_put(k);
}

/* ---- one field's terms -------------------------------------------------------------------- */

#define FALLBACK 1 /* not what this path reads: the Python function decides */
#define LEN_ARRAY_MAX (1 << 24) /* docnums of the lengths read into an array */

typedef struct {
    long id;
    double weight; /* as given */
    float w32;     /* as array("f") holds it */
    PyObject *value;
} Posting;

typedef struct {
    PyObject *lengths;       /* dict docnum -> length, or NULL */
    long *len_of;            /* or the same as an array by docnum (0: none), when every key and
                                value is an int (and no key is past LEN_ARRAY_MAX) */
    Py_ssize_t len_n;
    PyObject *length_to_byte;
    PyObject *tobyte;        /* dict length -> byte */
    Py_ssize_t limit, small;
    int level;
    long fixedsize;          /* -1: variable */
    z_stream zs;
    int zs_ready;
    Buf data, zbuf, joined;
    Pickler pk, info; /* of the blocks' data and info */
} Ctx;

/* length_to_byte(length) through a cache; -1 on an error */
static int to_byte(Ctx *c, PyObject *length);

static int to_byte_of(Ctx *c, long v) {
    PyObject *o = PyLong_FromLong(v);
    if (!o) return -1;
    int b = to_byte(c, o);
    Py_DECREF(o);
    return b;
}

static int to_byte(Ctx *c, PyObject *length) {
    PyObject *got = PyDict_GetItemWithError(c->tobyte, length);
    if (!got) {
        if (PyErr_Occurred()) return -1;
        got = PyObject_CallOneArg(c->length_to_byte, length);
        if (!got) return -1;
        int bad = PyDict_SetItem(c->tobyte, length, got);
        Py_DECREF(got);
        if (bad < 0) return -1;
    }
    long v = PyLong_AsLong(got);
    if (v == -1 && PyErr_Occurred()) return -1;
    if (v < 0 || v > 255) {
        PyErr_SetString(PyExc_ValueError, "length_to_byte gave a value that is not a byte");
        return -1;
    }
    return (int)v;
}

static PyObject *builtin_sum; /* builtins.sum */

/* sum(array("f", weights)) as Python adds them: the block's float32 weights as doubles, from
   0 (an int). Where every weight is a whole number below 2**24 the additions are exact, whatever
   way Python adds (3.12 compensates); otherwise Python's own sum is asked. */
static int block_sum(Posting *p, Py_ssize_t n, double *out) {
    int whole = 1;
    for (Py_ssize_t i = 0; i < n && whole; i++) {
        double w = p[i].w32;
        whole = w == floor(w) && fabs(w) < 16777216.0;
    }
    whole = whole && n < (1 << 29); /* partial sums below 2**53 */
    if (whole) {
        double s = 0.0;
        for (Py_ssize_t i = 0; i < n; i++) s += (double)p[i].w32;
        *out = s;
        return 0;
    }
    PyObject *t = PyTuple_New(n);
    if (!t) return -1;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *f = PyFloat_FromDouble((double)p[i].w32);
        if (!f) {
            Py_DECREF(t);
            return -1;
        }
        PyTuple_SET_ITEM(t, i, f);
    }
    PyObject *s = PyObject_CallOneArg(builtin_sum, t);
    Py_DECREF(t);
    if (!s) return -1;
    *out = PyFloat_AsDouble(s);
    Py_DECREF(s);
    if (*out == -1.0 && PyErr_Occurred()) return -1;
    return 0;
}

/* a posting read from its tuple: FALLBACK when it is not (int, finite float, bytes|None) */
static int read_posting(PyObject *t, Posting *p, int need_values) {
    if (!PyTuple_CheckExact(t) || PyTuple_GET_SIZE(t) != 3) return FALLBACK;
    PyObject *id = PyTuple_GET_ITEM(t, 0), *w = PyTuple_GET_ITEM(t, 1), *v = PyTuple_GET_ITEM(t, 2);
    if (!PyLong_CheckExact(id) || !PyFloat_CheckExact(w)) return FALLBACK;
    int overflow;
    long i = PyLong_AsLongAndOverflow(id, &overflow);
    if (overflow || i < 0 || i > 0x7fffffffL) {
        PyErr_Clear();
        return FALLBACK;
    }
    double d = PyFloat_AS_DOUBLE(w);
    if (!isfinite(d) || fabs(d) > 3.4028234663852886e38) return FALLBACK;
    if (need_values && v != Py_None && !PyBytes_CheckExact(v)) return FALLBACK;
    p->id = i;
    p->weight = d;
    p->w32 = (float)d;
    p->value = v;
    return 0;
}

/* one block: its pickles (compressed from `small` postings) after the size, into `out`; the
   block's statistics into the term's. Returns 0, -1 (error) or FALLBACK. */
typedef struct {
    double weight, maxweight; /* maxweight as max(0, ...) of the blocks' */
    int has_min;
    long minlength, maxlength; /* maxlength as max(0, ...) */
} Stats;

static int write_block(Ctx *c, Posting *p, Py_ssize_t n, int last, Stats *st, Buf *out) {
    /* lengths */
    int has_min = 0;
    long minl = 0, maxl = 0;
    if (c->len_of) { /* as below, the dict read into an array */
        for (Py_ssize_t i = 0; i < n; i++) {
            long v = p[i].id < c->len_n ? c->len_of[p[i].id] : 0;
            if (v == 0) continue;
            if (!has_min || v < minl) minl = v;
            if (!has_min || v > maxl) maxl = v;
            has_min = 1;
        }
    } else if (c->lengths) {
        for (Py_ssize_t i = 0; i < n; i++) {
            PyObject *key = PyLong_FromLong(p[i].id);
            if (!key) return -1;
            PyObject *x = PyDict_GetItemWithError(c->lengths, key);
            Py_DECREF(key);
            if (!x) {
                if (PyErr_Occurred()) return -1;
                continue;
            }
            if (!PyLong_CheckExact(x)) return FALLBACK;
            int overflow;
            long v = PyLong_AsLongAndOverflow(x, &overflow);
            if (overflow) return FALLBACK;
            if (v == 0) continue; /* `if x`: a length of 0 is left out */
            if (!has_min || v < minl) minl = v;
            if (!has_min || v > maxl) maxl = v;
            has_min = 1;
        }
    }
    /* statistics (W3TermInfo.add_block) */
    double bsum;
    if (block_sum(p, n, &bsum) < 0) return -1;
    double top = p[0].weight;
    for (Py_ssize_t i = 1; i < n; i++)
        if (p[i].weight > top) top = p[i].weight;
    double maxweight = top > 0 ? top : 0.0;
    int maxweight_is_float = top > 0;
    st->weight += bsum;
    if (!has_min) {
        if (st->has_min) return FALLBACK; /* min(an int, None): Python raises */
    } else if (!st->has_min || minl < st->minlength) {
        st->minlength = minl;
        st->has_min = 1;
    }
    if (has_min && maxl > st->maxlength) st->maxlength = maxl;
    if (maxweight > st->maxweight) st->maxweight = maxweight;

    /* the data pickle: (mini_ids, mini_weights, mini_values) */
    Buf *d = &c->data;
    d->n = 0;
    Pickler *k = &c->pk;
    pk_start(k, d);
    if (buf_put(d, "\x80\x02", 2) < 0) return -1;
    if (pk_tuple_open(k, n) < 0 || pk_int(k, p[0].id) < 0) return -1;
    for (Py_ssize_t i = 1; i < n; i++)
        if (pk_int(k, p[i].id - p[i - 1].id) < 0) return -1;
    if (pk_tuple_close(k, n) < 0) return -1;
    Py_ssize_t ones = 0, same = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        ones += p[i].w32 == 1.0f;
        same += p[i].w32 == p[0].w32;
    }
    if (ones == n) {
        if (buf_byte(d, 'N') < 0) return -1;
    } else if (same == n) {
        if (pk_float(k, p[0].w32) < 0) return -1;
    } else {
        if (pk_tuple_open(k, n) < 0) return -1;
        for (Py_ssize_t i = 0; i < n; i++)
            if (pk_float(k, p[i].w32) < 0) return -1;
        if (pk_tuple_close(k, n) < 0) return -1;
    }
    if (c->fixedsize == 0) {
        if (buf_byte(d, 'N') < 0) return -1;
    } else {
        Py_ssize_t kept = 0;
        for (Py_ssize_t i = 0; i < n; i++)
            if (p[i].value != Py_None && PyBytes_GET_SIZE(p[i].value)) kept++;
        if (c->fixedsize < 0) {
            if (kept == 0) {
                if (buf_byte(d, ')') < 0) return -1;
            } else {
                if (pk_tuple_open(k, kept) < 0) return -1;
                for (Py_ssize_t i = 0; i < n; i++) {
                    PyObject *v = p[i].value;
                    if (v == Py_None || !PyBytes_GET_SIZE(v)) continue;
                    if (pk_bytes(k, v, (unsigned char *)PyBytes_AS_STRING(v), PyBytes_GET_SIZE(v)) < 0)
                        return -1;
                }
                if (pk_tuple_close(k, kept) < 0) return -1;
            }
        } else { /* b"".join(values): one bytes object */
            Buf *j = &c->joined;
            j->n = 0;
            for (Py_ssize_t i = 0; i < n; i++) {
                PyObject *v = p[i].value;
                if (v == Py_None || !PyBytes_GET_SIZE(v)) continue;
                if (buf_put(j, PyBytes_AS_STRING(v), PyBytes_GET_SIZE(v)) < 0) return -1;
            }
            /* join's result is met once in the pickle: which object it is matters not */
            if (pk_bytes(k, NULL, (unsigned char *)j->p, j->n) < 0) return -1;
        }
    }
    if (buf_byte(d, 0x87) < 0 || pk_put(k) < 0 || buf_byte(d, '.') < 0) return -1;

    /* compressed from `small` postings (zlib.compress(data, level)) */
    int comp = n >= c->small ? c->level : 0;
    const char *bytes = d->p;
    Py_ssize_t size = d->n;
    if (comp) {
        z_stream *zs = &c->zs;
        int err;
        if (!c->zs_ready) {
            memset(zs, 0, sizeof *zs);
            err = deflateInit2(zs, comp, Z_DEFLATED, MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
            if (err != Z_OK) {
                PyErr_Format(PyExc_ValueError, "zlib: deflateInit2 failed (%d)", err);
                return -1;
            }
            c->zs_ready = 1;
        } else if ((err = deflateReset(zs)) != Z_OK) {
            PyErr_Format(PyExc_ValueError, "zlib: deflateReset failed (%d)", err);
            return -1;
        }
        uLong bound = deflateBound(zs, (uLong)d->n);
        c->zbuf.n = 0;
        if (buf_grow(&c->zbuf, (Py_ssize_t)bound) < 0) return -1;
        zs->next_in = (Bytef *)d->p;
        zs->avail_in = (uInt)d->n;
        zs->next_out = (Bytef *)c->zbuf.p;
        zs->avail_out = (uInt)bound;
        err = deflate(zs, Z_FINISH);
        if (err != Z_STREAM_END) {
            PyErr_Format(PyExc_ValueError, "zlib: deflate did not finish (%d)", err);
            return -1;
        }
        bytes = c->zbuf.p;
        size = (Py_ssize_t)(bound - zs->avail_out);
    }

    /* the info pickle: (n, last id, maxweight, comp, minbyte, maxbyte) */
    int minbyte = 0, maxbyte; /* length_to_byte of the block's lengths (None: 0), as ints */
    if (has_min && (minbyte = to_byte_of(c, minl)) < 0) return -1;
    if ((maxbyte = to_byte_of(c, has_min ? maxl : 0)) < 0) return -1;
    Py_ssize_t at = out->n;
    if (buf_grow(out, 4) < 0) return -1;
    out->n += 4; /* the size, below */
    Pickler *info = &c->info; /* ints and a float only: nothing fetched back */
    pk_start(info, out);
    if (buf_put(out, "\x80\x02(", 3) < 0 || pk_int(info, (long)n) < 0 || pk_int(info, p[n - 1].id) < 0)
        return -1;
    if ((maxweight_is_float ? pk_float(info, maxweight) : pk_int(info, 0)) < 0) return -1;
    if (pk_int(info, comp) < 0 || pk_int(info, minbyte) < 0 || pk_int(info, maxbyte) < 0) return -1;
    if (buf_byte(out, 't') < 0 || pk_put(info) < 0 || buf_byte(out, '.') < 0) return -1;
    Py_ssize_t total = out->n - at - 4 + size;
    if (total > 0x7fffffffLL) {
        PyErr_SetString(PyExc_OverflowError, "a posting block too big");
        return -1;
    }
    put_be32((unsigned char *)out->p + at, (uint32_t)(last ? -(int32_t)total : (int32_t)total));
    return buf_put(out, bytes, size);
}

/* the lengths dict as an array by docnum, where every key and value is an int (a key past
   LEN_ARRAY_MAX or of another type, or a value not an int: the dict is read as Python reads it) */
static int lengths_array(Ctx *c) {
    PyObject *key, *value;
    Py_ssize_t at = 0, top = -1;
    while (PyDict_Next(c->lengths, &at, &key, &value)) {
        int o1, o2;
        if (!PyLong_CheckExact(key) || !PyLong_CheckExact(value)) return 0;
        long k = PyLong_AsLongAndOverflow(key, &o1);
        (void)PyLong_AsLongAndOverflow(value, &o2);
        if (o1 || o2 || k < 0 || k >= LEN_ARRAY_MAX) return 0;
        if (k > top) top = k;
    }
    if (!(c->len_of = PyMem_Calloc(top + 1, sizeof(long)))) {
        PyErr_NoMemory();
        return -1;
    }
    c->len_n = top + 1;
    at = 0;
    while (PyDict_Next(c->lengths, &at, &key, &value)) c->len_of[PyLong_AsLong(key)] = PyLong_AsLong(value);
    return 0;
}

static void ctx_free(Ctx *c) {
    PyMem_Free(c->len_of);
    if (c->zs_ready) deflateEnd(&c->zs);
    PyMem_Free(c->data.p);
    PyMem_Free(c->zbuf.p);
    PyMem_Free(c->joined.p);
    PyMem_Free(c->pk.seen);
    PyMem_Free(c->pk.seen_at);
    Py_XDECREF(c->tobyte);
}

static PyObject *write_terms(PyObject *self, PyObject *args) {
    PyObject *terms, *lengths, *l2b, *buckets;
    Py_ssize_t limit, small;
    int level;
    long fixedsize;
    const char *fkey;
    Py_ssize_t fkeylen;
    long long base, tbase;
    if (!PyArg_ParseTuple(args, "O!Onnily#LLOO!:write_terms", &PyDict_Type, &terms, &lengths, &limit, &small,
                          &level, &fixedsize, &fkey, &fkeylen, &base, &tbase, &l2b, &PyList_Type, &buckets))
        return NULL;
    if (limit < 1) {
        PyErr_SetString(PyExc_ValueError, "write_terms: a block limit below 1");
        return NULL;
    }
    if (PyList_GET_SIZE(buckets) != 256) {
        PyErr_SetString(PyExc_ValueError, "write_terms: not 256 buckets");
        return NULL;
    }
    /* what zlib.compress or this path would refuse: the Python function decides */
    if ((lengths != Py_None && !PyDict_CheckExact(lengths)) || level < -1 || level > 9) Py_RETURN_NONE;
    Ctx c;
    memset(&c, 0, sizeof c);
    c.lengths = lengths == Py_None || PyDict_GET_SIZE(lengths) == 0 ? NULL : lengths;
    c.length_to_byte = l2b;
    c.limit = limit;
    c.small = small;
    c.level = level;
    c.fixedsize = fixedsize;
    pk_init(&c.pk);
    pk_init(&c.info);
    Buf post = {0}, trm = {0}, pos = {0}, hashes = {0};
    Posting *ps = NULL;
    Py_ssize_t pscap = 0;
    PyObject *keys = NULL, *result = NULL, *lastkey = NULL;
    int status = 0;
    if (!(c.tobyte = PyDict_New())) goto done;
    if (c.lengths && lengths_array(&c) < 0) goto done;
    if (!(keys = PyDict_Keys(terms))) goto done;
    Py_ssize_t nterms = PyList_GET_SIZE(keys);
    for (Py_ssize_t t = 0; t < nterms; t++)
        if (!PyBytes_CheckExact(PyList_GET_ITEM(keys, t))) {
            status = FALLBACK;
            goto done;
        }
    if (PyList_Sort(keys) < 0) goto done;
    static const char MAGIC[4] = {'W', '3', 'B', 'l'};
    for (Py_ssize_t t = 0; t < nterms; t++) {
        PyObject *tb = PyList_GET_ITEM(keys, t);
        PyObject *postings = PyDict_GetItemWithError(terms, tb);
        if (!postings) {
            if (!PyErr_Occurred()) status = FALLBACK;
            goto done;
        }
        if (!PyList_CheckExact(postings) || PyList_GET_SIZE(postings) == 0) {
            status = FALLBACK;
            goto done;
        }
        Py_ssize_t total = PyList_GET_SIZE(postings);
        if (total > 0xffffffffLL) {
            status = FALLBACK;
            goto done;
        }
        if (total > pscap) {
            PyMem_Free(ps);
            pscap = total < 256 ? 256 : total;
            if (!(ps = PyMem_Malloc(pscap * sizeof(Posting)))) {
                PyErr_NoMemory();
                goto done;
            }
        }
        for (Py_ssize_t i = 0; i < total; i++)
            if ((status = read_posting(PyList_GET_ITEM(postings, i), &ps[i], c.fixedsize != 0)) != 0) goto done;
        long long start = base + post.n;
        if (buf_put(&post, MAGIC, 4) < 0) goto done;
        Stats st = {0.0, 0.0, 0, 0, 0};
        for (Py_ssize_t at = 0; at < total; at += limit) {
            Py_ssize_t n = total - at < limit ? total - at : limit;
            if ((status = write_block(&c, ps + at, n, at + limit >= total, &st, &post)) != 0) goto done;
        }
        /* the term info (W3TermInfo: !BfIBBfII) and the postings' extent (!qi) */
        int minbyte = 0, maxbyte;
        if (st.has_min && (minbyte = to_byte_of(&c, st.minlength)) < 0) goto done;
        if ((maxbyte = to_byte_of(&c, st.maxlength)) < 0) goto done;
        float w32 = (float)st.weight, mw32 = (float)st.maxweight;
        if ((isinf(w32) && !isinf(st.weight)) || (isinf(mw32) && !isinf(st.maxweight))) {
            status = FALLBACK; /* struct.pack("f") raises */
            goto done;
        }
        long long extent = base + post.n - start;
        if (extent > 0x7fffffffLL) {
            status = FALLBACK;
            goto done;
        }
        unsigned char v[35];
        v[0] = 0;
        put_be32(v + 1, float_bits(w32));
        put_be32(v + 5, (uint32_t)total);
        v[9] = (unsigned char)minbyte;
        v[10] = (unsigned char)maxbyte;
        put_be32(v + 11, float_bits(mw32));
        put_be32(v + 15, (uint32_t)ps[0].id);
        put_be32(v + 19, (uint32_t)ps[total - 1].id);
        put_be64(v + 23, (uint64_t)start);
        put_be32(v + 31, (uint32_t)extent);
        /* the record (OrderedHashWriter.add): !ii lengths, key, value */
        Py_ssize_t keylen = fkeylen + PyBytes_GET_SIZE(tb);
        if (keylen > 0x7fffffffLL) {
            status = FALLBACK;
            goto done;
        }
        long long where = tbase + trm.n;
        unsigned char lens[8];
        put_be32(lens, (uint32_t)keylen);
        put_be32(lens + 4, 35);
        if (buf_put(&trm, lens, 8) < 0) goto done;
        Py_ssize_t keyat = trm.n;
        if (buf_put(&trm, fkey, fkeylen) < 0 || buf_put(&trm, PyBytes_AS_STRING(tb), PyBytes_GET_SIZE(tb)) < 0)
            goto done;
        uint32_t h = md5_tail((unsigned char *)trm.p + keyat, keylen);
        if (buf_put(&trm, v, 35) < 0) goto done;
        int64_t w64 = where;
        if (buf_put(&pos, &w64, 8) < 0 || buf_put(&hashes, &h, 4) < 0 || buf_put(&hashes, &w64, 8) < 0) goto done;
        if (t == nterms - 1) {
            lastkey = PyBytes_FromStringAndSize(trm.p + keyat, keylen);
            if (!lastkey) goto done;
        }
    }
    if (!lastkey && !(lastkey = PyBytes_FromStringAndSize(NULL, 0))) goto done;
    /* every term read: their (hash, position) into the term index's buckets, in order */
    for (Py_ssize_t i = 0; i < nterms; i++) {
        uint32_t h;
        int64_t where;
        memcpy(&h, hashes.p + 12 * i, 4);
        memcpy(&where, hashes.p + 12 * i + 4, 8);
        PyObject *e = Py_BuildValue("(kL)", (unsigned long)h, (long long)where);
        if (!e) goto done;
        int bad = PyList_Append(PyList_GET_ITEM(buckets, h & 255), e);
        Py_DECREF(e);
        if (bad < 0) goto done;
    }
    result = Py_BuildValue("(y#y#y#O)", post.p ? post.p : "", post.n, trm.p ? trm.p : "", trm.n,
                           pos.p ? pos.p : "", pos.n, lastkey);
done:
    ctx_free(&c);
    PyMem_Free(ps);
    PyMem_Free(post.p);
    PyMem_Free(trm.p);
    PyMem_Free(pos.p);
    PyMem_Free(hashes.p);
    Py_XDECREF(keys);
    Py_XDECREF(lastkey);
    if (status == FALLBACK && !PyErr_Occurred()) Py_RETURN_NONE;
    return result;
}

/* ---- the term index's 256 hash tables (HashWriter._write_hashes) ---------------------------- */

static PyObject *hash_tables(PyObject *self, PyObject *args) {
    PyObject *buckets;
    long long start;
    if (!PyArg_ParseTuple(args, "O!L:hash_tables", &PyList_Type, &buckets, &start)) return NULL;
    Py_ssize_t nb = PyList_GET_SIZE(buckets);
    Buf out = {0};
    uint32_t *hs = NULL;
    int64_t *ps = NULL;
    Py_ssize_t cap = 0;
    PyObject *directory = PyList_New(0), *result = NULL;
    int fallback = 0;
    if (!directory) return NULL;
    for (Py_ssize_t b = 0; b < nb; b++) {
        PyObject *entries = PyList_GET_ITEM(buckets, b);
        if (!PyList_CheckExact(entries)) {
            fallback = 1;
            goto done;
        }
        Py_ssize_t ne = PyList_GET_SIZE(entries), slots = 2 * ne;
        PyObject *d = Py_BuildValue("(Ln)", start + (long long)out.n, slots);
        if (!d) goto done;
        int bad = PyList_Append(directory, d);
        Py_DECREF(d);
        if (bad < 0) goto done;
        if (!slots) continue;
        if (slots > cap) {
            PyMem_Free(hs);
            PyMem_Free(ps);
            cap = slots;
            hs = PyMem_Malloc(cap * sizeof *hs);
            ps = PyMem_Malloc(cap * sizeof *ps);
            if (!hs || !ps) {
                PyErr_NoMemory();
                goto done;
            }
        }
        memset(hs, 0, slots * sizeof *hs);
        memset(ps, 0, slots * sizeof *ps);
        for (Py_ssize_t i = 0; i < ne; i++) {
            PyObject *e = PyList_GET_ITEM(entries, i);
            if (!PyTuple_CheckExact(e) || PyTuple_GET_SIZE(e) != 2 || !PyLong_CheckExact(PyTuple_GET_ITEM(e, 0)) ||
                !PyLong_CheckExact(PyTuple_GET_ITEM(e, 1))) {
                fallback = 1;
                goto done;
            }
            int o1, o2;
            long long h = PyLong_AsLongLongAndOverflow(PyTuple_GET_ITEM(e, 0), &o1);
            long long p = PyLong_AsLongLongAndOverflow(PyTuple_GET_ITEM(e, 1), &o2);
            if (o1 || o2 || h < 0 || h > 0xffffffffLL) {
                fallback = 1;
                goto done;
            }
            Py_ssize_t slot = (Py_ssize_t)((unsigned long long)h >> 8) % slots;
            while (hs[slot] != 0 || ps[slot] != 0) slot = (slot + 1) % slots;
            hs[slot] = (uint32_t)h;
            ps[slot] = p;
        }
        if (buf_grow(&out, 12 * slots) < 0) goto done;
        unsigned char *w = (unsigned char *)out.p + out.n;
        for (Py_ssize_t s = 0; s < slots; s++, w += 12) { /* !Iq */
            put_be32(w, hs[s]);
            put_be64(w + 4, (uint64_t)ps[s]);
        }
        out.n += 12 * slots;
    }
    result = Py_BuildValue("(y#O)", out.p ? out.p : "", out.n, directory);
done:
    PyMem_Free(out.p);
    PyMem_Free(hs);
    PyMem_Free(ps);
    Py_DECREF(directory);
    if (fallback && !PyErr_Occurred()) Py_RETURN_NONE;
    return result;
}

static PyObject *zlib_runtime(PyObject *self, PyObject *unused) { return PyUnicode_FromString(zlibVersion()); }

static PyMethodDef methods[] = {
    {"write_terms", write_terms, METH_VARARGS,
     "write_terms(terms, lengths, limit, small, level, fixedsize, fieldkey, base, tbase, length_to_byte)"},
    {"hash_tables", hash_tables, METH_VARARGS, "hash_tables(buckets, start) -> (bytes, directory)"},
    {"zlib_version", zlib_runtime, METH_NOARGS, "the version of the zlib this module runs with"},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_terms",
                                    "A field's terms written as Whoosh's W3 codec writes them (see the source).",
                                    -1, methods};

PyMODINIT_FUNC PyInit__terms(void) {
    PyObject *builtins = PyImport_ImportModule("builtins");
    if (!builtins) return NULL;
    builtin_sum = PyObject_GetAttrString(builtins, "sum");
    Py_DECREF(builtins);
    if (!builtin_sum) return NULL;
    return PyModule_Create(&module);
}
