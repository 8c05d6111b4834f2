/* A unit's words, postings and folded words in C: the per-unit loops of writing the index.

   Each function takes the same steps as the Python code it stands for, in the same order, and
   gives the same objects (tests/test_index_postings.py compares them on the real units and on
   made-up text):

   cut(text) -> list of str
       re.findall(analysis.TOKEN, text): TOKEN = \w+(?:[.'’-]\w+)*, with \w as Python's re has it
       for a str pattern (a character that str.isalnum() calls alphanumeric, or "_"). A run of
       word characters, then as long as a joiner is followed by a word character, the joiner and
       the next run: what the greedy pattern matches, since nothing after it can fail.

   add_positions(tokens, memo, forms, limit, terms, docnum, once, fb, boost, kept, kept_limit)
       -> int or None
       schema.FastTEXT.add_postings over analysis.positions: each token looked up in the
       analyser's memo (on a miss, the memo cleared when it holds `limit` words, then
       memo[token] = forms(token)); each term's positions in the order the terms are first met;
       each term's posting (docnum, weight, value) appended to terms[term as UTF-8] (a new list
       when the term is new; the term's bytes remembered in `kept`, cleared when it holds
       `kept_limit`). weight: `once` for a term met once, float(n) * fb * boost for n times;
       value: Positions.encode(positions), pack_uint(n) + pickle.dumps(deltas, 2), the pickle
       written here byte for byte as the pickle module writes a list of ints. Returns the
       field's length (the positions of all terms), or None, with nothing added, when forms()
       gave something else than a tuple of str (then Python's loop does it).

   add_items(items, docnum, boost, terms) -> int or None
       schema._add_items: each (term bytes, frequency, weight, value) of a field's `index`
       appended as (docnum, weight * boost, value) to terms[term bytes]; the frequencies summed.
       None, with nothing added, when an item is not a tuple of four (Python then does it).

   fold_words(text, tokens, memo, fold, limit, refold) -> set of str or None
       vocabulary.words_of: None when the text holds a character of `refold` (REFOLD), else the
       memo cleared when it holds `limit` tokens, then each token's folding, from the memo or
       fold(token) (then remembered).

   encode_positions(positions) -> bytes
       Positions.encode of a list of ascending ints (for the tests).
*/
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

/* ---- cut ------------------------------------------------------------------------------------ */

static inline int
is_word(Py_UCS4 c)
{
    /* _sre's SRE_UNI_IS_WORD: SRE_UNI_IS_ALNUM (Py_UNICODE_ISALNUM) or '_' */
    if (c < 128)
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    return Py_UNICODE_ISALNUM(c);
}

static inline int
is_joiner(Py_UCS4 c)
{
    return c == '.' || c == '\'' || c == 0x2019 || c == '-';
}

static PyObject *
cut_text(PyObject *text)
{
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "cut: a str is needed");
        return NULL;
    }
    if (PyUnicode_READY(text) < 0)
        return NULL;
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    PyObject *out = PyList_New(0);
    if (out == NULL)
        return NULL;
    Py_ssize_t i = 0;
    while (i < n) {
        if (!is_word(PyUnicode_READ(kind, data, i))) {
            i++;
            continue;
        }
        Py_ssize_t start = i;
        while (i < n && is_word(PyUnicode_READ(kind, data, i)))
            i++;
        while (i + 1 < n && is_joiner(PyUnicode_READ(kind, data, i)) && is_word(PyUnicode_READ(kind, data, i + 1))) {
            i += 2;
            while (i < n && is_word(PyUnicode_READ(kind, data, i)))
                i++;
        }
        PyObject *tok = PyUnicode_Substring(text, start, i);
        if (tok == NULL || PyList_Append(out, tok) < 0) {
            Py_XDECREF(tok);
            Py_DECREF(out);
            return NULL;
        }
        Py_DECREF(tok);
    }
    return out;
}

static PyObject *
cut(PyObject *self, PyObject *text)
{
    return cut_text(text);
}

/* ---- Positions.encode --------------------------------------------------------------------------- */

typedef struct {
    char *p;
    Py_ssize_t len, cap;
    char small[256];
} Buf;

static int
buf_grow(Buf *b, Py_ssize_t more)
{
    if (b->len + more <= b->cap)
        return 0;
    Py_ssize_t cap = b->cap * 2;
    while (cap < b->len + more)
        cap *= 2;
    char *p;
    if (b->p == b->small) {
        p = PyMem_Malloc(cap);
        if (p != NULL)
            memcpy(p, b->small, b->len);
    }
    else
        p = PyMem_Realloc(b->p, cap);
    if (p == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    b->p = p;
    b->cap = cap;
    return 0;
}

static void
buf_free(Buf *b)
{
    if (b->p != b->small)
        PyMem_Free(b->p);
}

/* an int as the pickle module (save_long, protocol 2) writes it: at most 14 bytes */
static Py_ssize_t
pickle_int(char *out, long long v)
{
    if (v >= -0x7fffffffLL - 1 && v <= 0x7fffffffLL) {
        unsigned long u = (unsigned long)(uint32_t)(int32_t)v;
        unsigned char b1 = u & 0xff, b2 = (u >> 8) & 0xff, b3 = (u >> 16) & 0xff, b4 = (u >> 24) & 0xff;
        if (b4 != 0 || b3 != 0) {
            out[0] = 'J';
            out[1] = (char)b1;
            out[2] = (char)b2;
            out[3] = (char)b3;
            out[4] = (char)b4;
            return 5;
        }
        if (b2 != 0) {
            out[0] = 'M';
            out[1] = (char)b1;
            out[2] = (char)b2;
            return 3;
        }
        out[0] = 'K';
        out[1] = (char)b1;
        return 2;
    }
    /* LONG1: the little-endian two's complement in the fewest bytes that keep the sign */
    unsigned long long u = (unsigned long long)v;
    int nbytes = 1;
    while (nbytes < 8) {
        long long lo = -(1LL << (8 * nbytes - 1)), hi = (1LL << (8 * nbytes - 1)) - 1;
        if (v >= lo && v <= hi)
            break;
        nbytes++;
    }
    out[0] = (char)0x8a;
    out[1] = (char)nbytes;
    for (int k = 0; k < nbytes; k++)
        out[2 + k] = (char)((u >> (8 * k)) & 0xff);
    return 2 + nbytes;
}

/* pack_uint(n) + pickle.dumps(deltas, 2) of ascending positions */
static PyObject *
encode(const Py_ssize_t *pos, Py_ssize_t n)
{
    Buf b = {.len = 0, .cap = sizeof(b.small)};
    b.p = b.small;
    /* header 9, per int at most 14, a MARK and APPENDS per 1,000, the end 2 */
    if (buf_grow(&b, 9 + 14 * n + 2 * (n / 1000 + 1) + 2) < 0)
        return NULL;
    char *p = b.p;
    uint32_t count = (uint32_t)n;
    *p++ = (char)(count >> 24);
    *p++ = (char)(count >> 16);
    *p++ = (char)(count >> 8);
    *p++ = (char)count;
    memcpy(p, "\x80\x02]q\x00", 5); /* PROTO 2, EMPTY_LIST, BINPUT 0 */
    p += 5;
    if (n == 1) {
        p += pickle_int(p, (long long)pos[0]);
        *p++ = 'a'; /* APPEND */
    }
    else {
        Py_ssize_t base = 0;
        for (Py_ssize_t at = 0; at < n;) {
            *p++ = '('; /* MARK */
            for (Py_ssize_t k = 0; k < 1000 && at < n; k++, at++) {
                p += pickle_int(p, (long long)pos[at] - (long long)base);
                base = pos[at];
            }
            *p++ = 'e'; /* APPENDS */
        }
    }
    *p++ = '.';
    PyObject *got = PyBytes_FromStringAndSize(b.p, p - b.p);
    buf_free(&b);
    return got;
}

#define ONCE_KEPT 100000 /* as schema._once: the encoding of one position kept below this */
static PyObject *once_kept[ONCE_KEPT];

static PyObject *
encode_once(Py_ssize_t pos)
{
    if (pos >= 0 && pos < ONCE_KEPT) {
        PyObject *got = once_kept[pos];
        if (got == NULL) {
            got = encode(&pos, 1);
            if (got == NULL)
                return NULL;
            once_kept[pos] = got;
        }
        Py_INCREF(got);
        return got;
    }
    return encode(&pos, 1);
}

static PyObject *
encode_positions(PyObject *self, PyObject *arg)
{
    PyObject *seq = PySequence_Fast(arg, "encode_positions: a list of ints");
    if (seq == NULL)
        return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    Py_ssize_t *pos = PyMem_Malloc(sizeof(Py_ssize_t) * (n ? n : 1));
    if (pos == NULL) {
        Py_DECREF(seq);
        return PyErr_NoMemory();
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        pos[i] = PyLong_AsSsize_t(PySequence_Fast_GET_ITEM(seq, i));
        if (pos[i] == -1 && PyErr_Occurred()) {
            PyMem_Free(pos);
            Py_DECREF(seq);
            return NULL;
        }
    }
    PyObject *got = encode(pos, n);
    PyMem_Free(pos);
    Py_DECREF(seq);
    return got;
}

/* ---- add_positions ------------------------------------------------------------------------------ */

/* append (docnum, weight, value) to terms[tbytes], stealing weight and value */
static int
append_posting(PyObject *terms, PyObject *tbytes, PyObject *docnum, PyObject *weight, PyObject *value)
{
    if (weight == NULL || value == NULL) {
        Py_XDECREF(weight);
        Py_XDECREF(value);
        return -1;
    }
    PyObject *posting = PyTuple_New(3);
    if (posting == NULL) {
        Py_DECREF(weight);
        Py_DECREF(value);
        return -1;
    }
    Py_INCREF(docnum);
    PyTuple_SET_ITEM(posting, 0, docnum);
    PyTuple_SET_ITEM(posting, 1, weight);
    PyTuple_SET_ITEM(posting, 2, value);
    /* what the collector does to a tuple of atoms the first time it meets one */
    if (PyLong_CheckExact(docnum) && PyFloat_CheckExact(weight) && (PyBytes_CheckExact(value) || value == Py_None))
        PyObject_GC_UnTrack(posting);
    PyObject *plist = PyDict_GetItemWithError(terms, tbytes);
    int rc;
    if (plist != NULL)
        rc = PyList_Append(plist, posting);
    else if (PyErr_Occurred())
        rc = -1;
    else {
        plist = PyList_New(1);
        if (plist == NULL)
            rc = -1;
        else {
            Py_INCREF(posting);
            PyList_SET_ITEM(plist, 0, posting);
            rc = PyDict_SetItem(terms, tbytes, plist);
            Py_DECREF(plist);
        }
    }
    Py_DECREF(posting);
    return rc;
}

/* a unit's terms in the order met, each with its positions: an open-addressing table over
   `order`, terms compared as str (the same characters), held by reference */
typedef struct {
    PyObject *term;
    Py_hash_t hash;
    Py_ssize_t count;
} Term;

typedef struct {
    Term *order;       /* in the order met */
    Py_ssize_t n, cap;
    Py_ssize_t *slots; /* index into order + 1, or 0 */
    Py_ssize_t mask;
} Terms;

static int
terms_init(Terms *t, Py_ssize_t expect)
{
    Py_ssize_t size = 16;
    while (size < 2 * expect + 2)
        size *= 2;
    t->n = 0;
    t->cap = expect + 1;
    t->mask = size - 1;
    t->order = PyMem_Malloc(sizeof(Term) * t->cap);
    t->slots = PyMem_Calloc(size, sizeof(Py_ssize_t));
    if (t->order == NULL || t->slots == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

static void
terms_free(Terms *t)
{
    if (t->order != NULL)
        for (Py_ssize_t i = 0; i < t->n; i++)
            Py_DECREF(t->order[i].term);
    PyMem_Free(t->order);
    PyMem_Free(t->slots);
}

static inline int
same_str(PyObject *a, PyObject *b)
{
    if (a == b)
        return 1;
    Py_ssize_t n = PyUnicode_GET_LENGTH(a);
    return n == PyUnicode_GET_LENGTH(b) && PyUnicode_KIND(a) == PyUnicode_KIND(b) &&
           memcmp(PyUnicode_DATA(a), PyUnicode_DATA(b), n * PyUnicode_KIND(a)) == 0;
}

/* the number of `term` (an exact str), added when new; -1 on an error */
static Py_ssize_t
terms_number(Terms *t, PyObject *term)
{
    Py_hash_t h = PyObject_Hash(term);
    if (h == -1)
        return -1;
    size_t i = (size_t)h & t->mask;
    for (;;) {
        Py_ssize_t at = t->slots[i];
        if (at == 0)
            break;
        Term *e = &t->order[at - 1];
        if (e->hash == h && same_str(e->term, term))
            return at - 1;
        i = (i + 1) & t->mask;
    }
    if (t->n == t->cap || 2 * (t->n + 1) > t->mask) {
        Py_ssize_t cap = 2 * t->cap, size = 2 * (t->mask + 1);
        Term *order = PyMem_Realloc(t->order, sizeof(Term) * cap);
        if (order == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        t->order = order;
        t->cap = cap;
        Py_ssize_t *slots = PyMem_Calloc(size, sizeof(Py_ssize_t));
        if (slots == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        PyMem_Free(t->slots);
        t->slots = slots;
        t->mask = size - 1;
        for (Py_ssize_t k = 0; k < t->n; k++) {
            size_t j = (size_t)t->order[k].hash & t->mask;
            while (slots[j] != 0)
                j = (j + 1) & t->mask;
            slots[j] = k + 1;
        }
        i = (size_t)h & t->mask;
        while (slots[i] != 0)
            i = (i + 1) & t->mask;
    }
    Py_INCREF(term);
    t->order[t->n].term = term;
    t->order[t->n].hash = h;
    t->order[t->n].count = 0;
    t->slots[i] = ++t->n;
    return t->n - 1;
}

/* a term's UTF-8 bytes, remembered in `kept` (str → bytes, cleared when it holds `limit`): one
   bytes object per term, its hash computed once */
static PyObject *
term_bytes(PyObject *kept, Py_ssize_t limit, PyObject *term)
{
    PyObject *got = PyDict_GetItemWithError(kept, term);
    if (got != NULL) {
        Py_INCREF(got);
        return got;
    }
    if (PyErr_Occurred())
        return NULL;
    got = PyUnicode_AsUTF8String(term);
    if (got == NULL)
        return NULL;
    if (PyDict_GET_SIZE(kept) >= limit)
        PyDict_Clear(kept);
    if (PyDict_SetItem(kept, term, got) < 0) {
        Py_DECREF(got);
        return NULL;
    }
    return got;
}

static PyObject *
add_positions(PyObject *self, PyObject *args)
{
    PyObject *tokens, *memo, *forms, *terms, *docnum, *once, *kept;
    Py_ssize_t limit, kept_limit;
    double fb, boost;
    if (!PyArg_ParseTuple(args, "O!O!OnO!OO!ddO!n", &PyList_Type, &tokens, &PyDict_Type, &memo, &forms, &limit,
                          &PyDict_Type, &terms, &docnum, &PyFloat_Type, &once, &fb, &boost, &PyDict_Type, &kept,
                          &kept_limit))
        return NULL;
    Py_ssize_t ntok = PyList_GET_SIZE(tokens);
    Terms t = {NULL, 0, 0, NULL, 0};
    /* each (term number, position) met, in the order met */
    Py_ssize_t cap = ntok * 2 + 1, nmet = 0;
    Py_ssize_t *met_term = PyMem_Malloc(sizeof(Py_ssize_t) * cap);
    Py_ssize_t *met_pos = PyMem_Malloc(sizeof(Py_ssize_t) * cap);
    Py_ssize_t *start = NULL, *grouped = NULL;
    PyObject *result = NULL;
    if (met_term == NULL || met_pos == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    if (terms_init(&t, ntok) < 0)
        goto done;
    for (Py_ssize_t pos = 0; pos < ntok; pos++) {
        PyObject *word = PyList_GET_ITEM(tokens, pos);
        PyObject *f = PyDict_GetItemWithError(memo, word);
        if (f != NULL)
            Py_INCREF(f);
        else {
            if (PyErr_Occurred())
                goto done;
            if (PyDict_GET_SIZE(memo) >= limit)
                PyDict_Clear(memo);
            f = PyObject_CallOneArg(forms, word);
            if (f == NULL)
                goto done;
            if (PyDict_SetItem(memo, word, f) < 0) {
                Py_DECREF(f);
                goto done;
            }
        }
        if (!PyTuple_Check(f)) {
            Py_DECREF(f);
            result = Py_NewRef(Py_None); /* not forms() as analysis has them: Python's loop */
            goto done;
        }
        for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(f); k++) {
            PyObject *term = PyTuple_GET_ITEM(f, k);
            if (term == Py_None)
                break;
            if (!PyUnicode_CheckExact(term)) {
                Py_DECREF(f);
                result = Py_NewRef(Py_None);
                goto done;
            }
            Py_ssize_t num = terms_number(&t, term);
            if (num < 0) {
                Py_DECREF(f);
                goto done;
            }
            if (nmet == cap) {
                Py_ssize_t *a, *b;
                cap *= 2;
                a = PyMem_Realloc(met_term, sizeof(Py_ssize_t) * cap);
                if (a != NULL)
                    met_term = a;
                b = PyMem_Realloc(met_pos, sizeof(Py_ssize_t) * cap);
                if (b != NULL)
                    met_pos = b;
                if (a == NULL || b == NULL) {
                    Py_DECREF(f);
                    PyErr_NoMemory();
                    goto done;
                }
            }
            t.order[num].count++;
            met_term[nmet] = num;
            met_pos[nmet] = pos;
            nmet++;
        }
        Py_DECREF(f);
    }
    /* the positions grouped by term, each group in the order met (ascending) */
    start = PyMem_Malloc(sizeof(Py_ssize_t) * (t.n + 1));
    grouped = PyMem_Malloc(sizeof(Py_ssize_t) * (nmet + 1));
    if (start == NULL || grouped == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    Py_ssize_t acc = 0;
    for (Py_ssize_t k = 0; k < t.n; k++) {
        start[k] = acc;
        acc += t.order[k].count;
    }
    for (Py_ssize_t i = 0; i < nmet; i++)
        grouped[start[met_term[i]]++] = met_pos[i];
    for (Py_ssize_t k = 0; k < t.n; k++) {
        Py_ssize_t n = t.order[k].count;
        const Py_ssize_t *p = grouped + start[k] - n;
        PyObject *tbytes = term_bytes(kept, kept_limit, t.order[k].term);
        if (tbytes == NULL)
            goto done;
        PyObject *weight, *value;
        if (n == 1) {
            Py_INCREF(once);
            weight = once;
            value = encode_once(p[0]);
        }
        else {
            weight = PyFloat_FromDouble((double)n * fb * boost);
            value = encode(p, n);
        }
        int rc = append_posting(terms, tbytes, docnum, weight, value);
        Py_DECREF(tbytes);
        if (rc < 0)
            goto done;
    }
    result = PyLong_FromSsize_t(nmet);
done:
    terms_free(&t);
    PyMem_Free(met_term);
    PyMem_Free(met_pos);
    PyMem_Free(start);
    PyMem_Free(grouped);
    return result;
}

/* ---- add_items ---------------------------------------------------------------------------------- */

static PyObject *
add_items(PyObject *self, PyObject *args)
{
    PyObject *items, *docnum, *boost, *terms;
    if (!PyArg_ParseTuple(args, "OOOO!", &items, &docnum, &boost, &PyDict_Type, &terms))
        return NULL;
    PyObject *seq = PySequence_Fast(items, "add_items: a sequence of items");
    if (seq == NULL)
        return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    PyObject **it = PySequence_Fast_ITEMS(seq);
    for (Py_ssize_t i = 0; i < n; i++) {
        if (!PyTuple_CheckExact(it[i]) || PyTuple_GET_SIZE(it[i]) != 4) {
            Py_DECREF(seq);
            Py_RETURN_NONE;
        }
    }
    PyObject *length = PyLong_FromLong(0);
    for (Py_ssize_t i = 0; i < n && length != NULL; i++) {
        PyObject *tbytes = PyTuple_GET_ITEM(it[i], 0), *freq = PyTuple_GET_ITEM(it[i], 1),
                 *weight = PyTuple_GET_ITEM(it[i], 2), *value = PyTuple_GET_ITEM(it[i], 3);
        Py_INCREF(value);
        if (append_posting(terms, tbytes, docnum, PyNumber_Multiply(weight, boost), value) < 0) {
            Py_CLEAR(length);
            break;
        }
        PyObject *sum = PyNumber_InPlaceAdd(length, freq);
        Py_DECREF(length);
        length = sum;
    }
    Py_DECREF(seq);
    return length;
}

/* ---- fold_words --------------------------------------------------------------------------------- */

/* does text hold a character of chars? (none can be in a text whose characters are all below them) */
static int
holds_any(PyObject *text, PyObject *chars)
{
    Py_ssize_t nc = PyUnicode_GET_LENGTH(chars), n = PyUnicode_GET_LENGTH(text);
    int ckind = PyUnicode_KIND(chars), kind = PyUnicode_KIND(text);
    const void *cdata = PyUnicode_DATA(chars), *data = PyUnicode_DATA(text);
    Py_UCS4 least = 0x110000;
    for (Py_ssize_t k = 0; k < nc; k++) {
        Py_UCS4 c = PyUnicode_READ(ckind, cdata, k);
        if (c < least)
            least = c;
    }
    if (PyUnicode_MAX_CHAR_VALUE(text) < least)
        return 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (c < least)
            continue;
        for (Py_ssize_t k = 0; k < nc; k++)
            if (c == PyUnicode_READ(ckind, cdata, k))
                return 1;
    }
    return 0;
}

static PyObject *
fold_words(PyObject *self, PyObject *args)
{
    PyObject *text, *tokens, *memo, *fold, *refold;
    Py_ssize_t limit;
    if (!PyArg_ParseTuple(args, "UO!O!OnU", &text, &PyList_Type, &tokens, &PyDict_Type, &memo, &fold, &limit,
                          &refold))
        return NULL;
    if (holds_any(text, refold))
        Py_RETURN_NONE;
    if (PyDict_GET_SIZE(memo) >= limit)
        PyDict_Clear(memo);
    PyObject *out = PySet_New(NULL);
    if (out == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(tokens); i++) {
        PyObject *word = PyList_GET_ITEM(tokens, i);
        PyObject *f = PyDict_GetItemWithError(memo, word);
        int truthy = 0;
        if (f != NULL) {
            truthy = PyObject_IsTrue(f);
            if (truthy < 0)
                goto fail;
        }
        else if (PyErr_Occurred())
            goto fail;
        if (truthy) {
            if (PySet_Add(out, f) < 0)
                goto fail;
            continue;
        }
        f = PyObject_CallOneArg(fold, word);
        if (f == NULL)
            goto fail;
        if (PyDict_SetItem(memo, word, f) < 0 || PySet_Add(out, f) < 0) {
            Py_DECREF(f);
            goto fail;
        }
        Py_DECREF(f);
    }
    return out;
fail:
    Py_DECREF(out);
    return NULL;
}

static PyMethodDef methods[] = {
    {"cut", cut, METH_O, "cut(text): re.findall(analysis.TOKEN, text)"},
    {"add_positions", add_positions, METH_VARARGS,
     "add_positions(tokens, memo, forms, limit, terms, docnum, once, fb, boost): a text field's postings "
     "appended to terms (FastTEXT.add_postings); its length"},
    {"add_items", add_items, METH_VARARGS,
     "add_items(items, docnum, boost, terms): schema._add_items; None where an item is not a tuple of four"},
    {"fold_words", fold_words, METH_VARARGS,
     "fold_words(text, tokens, memo, fold, limit, refold): the tokens' distinct foldings (vocabulary.words_of), "
     "or None when the text holds a character of refold"},
    {"encode_positions", encode_positions, METH_O, "encode_positions(positions): Positions.encode(positions)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_postings", "A unit's words, postings and folded words (pincite.index.schema).", -1,
    methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC
PyInit__postings(void)
{
    return PyModule_Create(&module);
}
