/* A page's runs made into lines: pdf.build_lines and pdf._make_line, in C (pincite.ingest.readers.pdf).

   build_lines was a tenth of a PDF's parse: for each of the 61,000 runs of the real PDFs a few
   comparisons against the last lines, and for each of the 16,000 lines its type size, baseline,
   text, calls and weight, all in Python steps. This module takes the same steps with the same
   double arithmetic, in the same order, and makes the same `Line`s (tests/test_pdf.py compares them
   with the Python functions' on every real PDF and on made-up runs). What depends on patterns is
   asked of the Python functions the reader passes: a label or dot leaders before a wide gap, a
   raised run (`pdf._raised_run`), blanks to collapse. The note-call pattern of a text of three
   characters or fewer (CALL_TEXT_RE) is matched here.

   lines(runs, page_no, masthead_y, ctx[, with_chars]) -> list of Line (with with_chars, the list
   and the characters of the runs' stripped texts), or None when a run is not what the C path reads (a coordinate that is not a float, a NaN, a seq that is not an int, a text that is
   not a str): then the Python functions make the lines.
   ctx = (Line, object.__new__, round, label_only, dot_leader, raised_run, collapse_blanks)

   table_rows(lines, window, label_start_match, dot_item_match) -> pdf.table_rows' answer (the ids
   of the lines that are rows), the columns as sorted arrays of whole points, or None when a
   position is not a float or an int (then the Python function decides).
*/
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* the same doubles as Python's: no a * b + c fused into one rounding */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

typedef struct {
    PyObject *obj;      /* the Run (borrowed from the list) */
    PyObject *text;     /* new references from here */
    PyObject *stripped; /* text.strip() */
    PyObject *size1;    /* round(size, 1) */
    PyObject *xobj;
    double x, y, size, width, size1v;
    long long seq;
    int bold, italic;
    Py_ssize_t tlen, slen;
    Py_ssize_t rank; /* its place in the (-y, x) order */
} R;

typedef struct {
    Py_ssize_t *idx; /* runs, by index into R, in the segment's order */
    Py_ssize_t n;
    PyObject *text, *calls, *lead, *yobj, *sizeobj;
    double y, x0, x1, size, ykey;
    int bold, italic;
    Py_ssize_t order; /* made n-th */
} L;

static PyObject *s_text, *s_x, *s_y, *s_size, *s_bold, *s_width, *s_seq, *s_italic, *s_rise, *s_strip;
static PyObject *s_runs, *s_page, *s_calls, *s_x0, *s_x1, *s_lead, *s_role, *s_note, *empty_str, *space_str,
    *two_spaces, *one_int;

/* ---- CALL_TEXT_RE = ^\s*(\d{1,3}|[a-z]|\*{1,3}|∗{1,3}|†|‡)\s*$ of a stripped text ------------------ */
/* (re's \s and str.strip() are both Py_UNICODE_ISSPACE; re's \d of a str is Py_UNICODE_ISDECIMAL) */
static int
call_text(PyObject *ts)
{
    Py_ssize_t n = PyUnicode_GET_LENGTH(ts);
    if (n < 1 || n > 3)
        return 0;
    int kind = PyUnicode_KIND(ts);
    const void *data = PyUnicode_DATA(ts);
    Py_UCS4 c0 = PyUnicode_READ(kind, data, 0);
    if (Py_UNICODE_ISDECIMAL(c0)) {
        for (Py_ssize_t i = 1; i < n; i++)
            if (!Py_UNICODE_ISDECIMAL(PyUnicode_READ(kind, data, i)))
                return 0;
        return 1;
    }
    if (c0 == '*' || c0 == 0x2217) {
        for (Py_ssize_t i = 1; i < n; i++)
            if (PyUnicode_READ(kind, data, i) != c0)
                return 0;
        return 1;
    }
    if (n == 1 && ((c0 >= 'a' && c0 <= 'z') || c0 == 0x2020 || c0 == 0x2021))
        return 1;
    return 0;
}

/* ts in RAISED_MARKS = ("*", "**", "∗", "†") */
static int
raised_mark(PyObject *ts)
{
    Py_ssize_t n = PyUnicode_GET_LENGTH(ts);
    if (n < 1 || n > 2)
        return 0;
    Py_UCS4 c0 = PyUnicode_READ_CHAR(ts, 0);
    if (n == 2)
        return c0 == '*' && PyUnicode_READ_CHAR(ts, 1) == '*';
    return c0 == '*' || c0 == 0x2217 || c0 == 0x2020;
}

static int
all_digits(PyObject *s) /* str.isdigit() */
{
    Py_ssize_t n = PyUnicode_GET_LENGTH(s);
    if (n == 0)
        return 0;
    for (Py_ssize_t i = 0; i < n; i++)
        if (!Py_UNICODE_ISDIGIT(PyUnicode_READ_CHAR(s, i)))
            return 0;
    return 1;
}

static int
truth_of_call(PyObject *fn, PyObject *arg)
{
    PyObject *res = PyObject_CallOneArg(fn, arg);
    if (!res)
        return -1;
    int t = PyObject_IsTrue(res);
    Py_DECREF(res);
    return t;
}

/* ---- reading the runs ------------------------------------------------------------------------- */
static int
float_attr(PyObject *obj, PyObject *name, double *out, PyObject **keep)
{
    PyObject *v = PyObject_GetAttr(obj, name);
    if (!v)
        return -1;
    if (!PyFloat_CheckExact(v)) {
        Py_DECREF(v);
        return 1;
    }
    *out = PyFloat_AS_DOUBLE(v);
    if (keep)
        *keep = v;
    else
        Py_DECREF(v);
    return isfinite(*out) ? 0 : 1;
}

static void
free_runs(R *rs, Py_ssize_t n)
{
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_XDECREF(rs[i].text);
        Py_XDECREF(rs[i].stripped);
        Py_XDECREF(rs[i].size1);
        Py_XDECREF(rs[i].xobj);
    }
    PyMem_Free(rs);
}

enum { ROUND_CACHE = 32 };
typedef struct {
    int n;
    double size[ROUND_CACHE];
    PyObject *rounded[ROUND_CACHE];
} RoundCache;

/* 0 read, 1 not what the C path reads, -1 error */
static int
read_run(PyObject *obj, R *r, PyObject *round_fn, RoundCache *rc)
{
    int st;
    r->obj = obj;
    if ((st = float_attr(obj, s_x, &r->x, &r->xobj)) != 0)
        return st;
    if ((st = float_attr(obj, s_y, &r->y, NULL)) != 0)
        return st;
    if ((st = float_attr(obj, s_size, &r->size, NULL)) != 0)
        return st;
    if ((st = float_attr(obj, s_width, &r->width, NULL)) != 0)
        return st;
    PyObject *v = PyObject_GetAttr(obj, s_seq);
    if (!v)
        return -1;
    if (!PyLong_CheckExact(v)) {
        Py_DECREF(v);
        return 1;
    }
    int overflow = 0;
    r->seq = PyLong_AsLongLongAndOverflow(v, &overflow);
    Py_DECREF(v);
    if (overflow || (r->seq == -1 && PyErr_Occurred()) || r->seq > (1LL << 60) || r->seq < -(1LL << 60)) {
        PyErr_Clear();
        return 1;
    }
    v = PyObject_GetAttr(obj, s_bold);
    if (!v)
        return -1;
    r->bold = PyObject_IsTrue(v);
    Py_DECREF(v);
    v = PyObject_GetAttr(obj, s_italic);
    if (!v)
        return -1;
    r->italic = PyObject_IsTrue(v);
    Py_DECREF(v);
    if (r->bold < 0 || r->italic < 0)
        return -1;
    r->text = PyObject_GetAttr(obj, s_text);
    if (!r->text)
        return -1;
    if (!PyUnicode_CheckExact(r->text))
        return 1;
    r->tlen = PyUnicode_GET_LENGTH(r->text);
    r->stripped = PyObject_CallMethodNoArgs(r->text, s_strip);
    if (!r->stripped)
        return -1;
    r->slen = PyUnicode_GET_LENGTH(r->stripped);
    /* round(size, 1), remembered: a page sets its runs in a few sizes, and Python's round() to a
       number of digits goes through a decimal string */
    for (int k = 0; k < rc->n; k++)
        if (rc->size[k] == r->size && signbit(rc->size[k]) == signbit(r->size)) {
            r->size1 = rc->rounded[k];
            Py_INCREF(r->size1);
            r->size1v = PyFloat_AS_DOUBLE(r->size1);
            return 0;
        }
    PyObject *size = PyFloat_FromDouble(r->size);
    if (!size)
        return -1;
    r->size1 = PyObject_CallFunctionObjArgs(round_fn, size, one_int, NULL);
    Py_DECREF(size);
    if (!r->size1)
        return -1;
    if (!PyFloat_CheckExact(r->size1))
        return 1;
    r->size1v = PyFloat_AS_DOUBLE(r->size1);
    if (rc->n < ROUND_CACHE) {
        rc->size[rc->n] = r->size;
        rc->rounded[rc->n] = r->size1; /* borrowed: the run holds it until the call ends */
        rc->n++;
    }
    return 0;
}

/* ---- sorting (stable: ties keep their order) ---------------------------------------------------- */
static R *sort_runs;

static int
cmp_yx(const void *a, const void *b) /* (-y, x), then the runs' order */
{
    const R *p = &sort_runs[*(const Py_ssize_t *)a], *q = &sort_runs[*(const Py_ssize_t *)b];
    if (p->y != q->y)
        return p->y > q->y ? -1 : 1;
    if (p->x != q->x)
        return p->x < q->x ? -1 : 1;
    Py_ssize_t i = *(const Py_ssize_t *)a, j = *(const Py_ssize_t *)b;
    return i < j ? -1 : i > j;
}

static int
cmp_x(const void *a, const void *b) /* x, then the (-y, x) order the group was made in */
{
    const R *p = &sort_runs[*(const Py_ssize_t *)a], *q = &sort_runs[*(const Py_ssize_t *)b];
    if (p->x != q->x)
        return p->x < q->x ? -1 : 1;
    return p->rank < q->rank ? -1 : p->rank > q->rank;
}

static int
cmp_lines(const void *a, const void *b) /* (-round(y, 0), x0), then the order they were made in */
{
    const L *p = *(L *const *)a, *q = *(L *const *)b;
    if (p->ykey != q->ykey)
        return p->ykey < q->ykey ? -1 : 1;
    if (p->x0 != q->x0)
        return p->x0 < q->x0 ? -1 : 1;
    return p->order < q->order ? -1 : p->order > q->order;
}

/* ---- one line: _make_line ------------------------------------------------------------------------ */
/* text += piece; 0 or -1 */
static int
append(PyObject **text, PyObject *piece)
{
    PyUnicode_Append(text, piece);
    return *text ? 0 : -1;
}

static int
make_line(R *rs, L *ln, PyObject *const *ctx)
{
    PyObject *raised_fn = ctx[5], *collapse = ctx[6];
    Py_ssize_t n = ln->n, *idx = ln->idx;
    /* the type size most characters are set in (the first met, on a tie) */
    double keys[16] = {0};
    PyObject *keyobjs[16] = {NULL};
    Py_ssize_t counts[16] = {0};
    int nk = 0;
    double *kbig = NULL;
    PyObject **kobig = NULL;
    Py_ssize_t *cbig = NULL;
    double *kv = keys;
    PyObject **ko = keyobjs;
    Py_ssize_t *kc = counts;
    int cap = 16;
    for (Py_ssize_t i = 0; i < n; i++) {
        R *r = &rs[idx[i]];
        int k;
        for (k = 0; k < nk; k++)
            if (kv[k] == r->size1v)
                break;
        if (k == nk) {
            if (nk == cap) {
                int ncap = cap * 4;
                double *a = PyMem_Malloc(sizeof(double) * ncap);
                PyObject **b = PyMem_Malloc(sizeof(PyObject *) * ncap);
                Py_ssize_t *c = PyMem_Malloc(sizeof(Py_ssize_t) * ncap);
                if (!a || !b || !c) {
                    PyMem_Free(a);
                    PyMem_Free(b);
                    PyMem_Free(c);
                    PyMem_Free(kbig);
                    PyMem_Free(kobig);
                    PyMem_Free(cbig);
                    PyErr_NoMemory();
                    return -1;
                }
                memcpy(a, kv, sizeof(double) * nk);
                memcpy(b, ko, sizeof(PyObject *) * nk);
                memcpy(c, kc, sizeof(Py_ssize_t) * nk);
                PyMem_Free(kbig);
                PyMem_Free(kobig);
                PyMem_Free(cbig);
                kv = kbig = a;
                ko = kobig = b;
                kc = cbig = c;
                cap = ncap;
            }
            kv[nk] = r->size1v;
            ko[nk] = r->size1;
            kc[nk] = 0;
            nk++;
        }
        kc[k] += r->slen;
    }
    int best_k = 0;
    for (int k = 1; k < nk; k++)
        if (kc[k] > kc[best_k])
            best_k = k;
    double main_size = kv[best_k];
    PyObject *main_obj = ko[best_k];
    PyMem_Free(kbig);
    PyMem_Free(kobig);
    PyMem_Free(cbig);

    /* the baseline: the median of the body-size runs' (sorted stably, as sorted() does); the anchor:
       the widest run in that size */
    Py_ssize_t *ys = PyMem_Malloc(sizeof(Py_ssize_t) * n);
    if (!ys) {
        PyErr_NoMemory();
        return -1;
    }
    Py_ssize_t ny = 0, anchor = 0;
    long long best0 = -1, best1 = -1;
    for (Py_ssize_t i = 0; i < n; i++) {
        R *r = &rs[idx[i]];
        int body = fabs(r->size - main_size) < 0.6;
        if (body) {
            Py_ssize_t j = ny++;
            while (j > 0 && rs[ys[j - 1]].y > r->y) {
                ys[j] = ys[j - 1];
                j--;
            }
            ys[j] = idx[i];
        }
        if (body > best0 || (body == best0 && (long long)r->slen > best1)) {
            anchor = i;
            best0 = body;
            best1 = (long long)r->slen;
        }
    }
    double base;
    PyObject *baseobj = NULL; /* a run's own y where _median returns one of them */
    if (ny == 0) {
        base = rs[idx[0]].y;
        baseobj = PyObject_GetAttr(rs[idx[0]].obj, s_y);
    }
    else if (ny == 1 || ny % 2) {
        Py_ssize_t m = ny == 1 ? 0 : ny / 2;
        base = rs[ys[m]].y;
        baseobj = PyObject_GetAttr(rs[ys[m]].obj, s_y);
    }
    else {
        base = (rs[ys[ny / 2 - 1]].y + rs[ys[ny / 2]].y) / 2;
        baseobj = PyFloat_FromDouble(base);
    }
    PyMem_Free(ys);
    if (!baseobj)
        return -1;
    ln->yobj = baseobj;
    ln->y = base;
    ln->size = main_size;
    Py_INCREF(main_obj);
    ln->sizeobj = main_obj;

    PyObject *text = empty_str;
    Py_INCREF(text);
    int has_text = 0;
    PyObject *calls = PyList_New(0);
    PyObject *lead = empty_str;
    Py_INCREF(lead);
    Py_ssize_t prev = -1;
    char *word = PyMem_Calloc(n, 1);
    if (!calls || !word)
        goto fail;
    double small_size = 0.85 * main_size, raise_by = 0.12 * main_size;
    R *anc = &rs[idx[anchor]];
    for (Py_ssize_t i = 0; i < n; i++) {
        R *r = &rs[idx[i]];
        double rise = r->y - base;
        PyObject *rv = PyFloat_FromDouble(rise);
        if (!rv || PyObject_SetAttr(r->obj, s_rise, rv) < 0) {
            Py_XDECREF(rv);
            goto fail;
        }
        Py_DECREF(rv);
        int raised = r->size < small_size && (rise > raise_by || raised_mark(r->stripped));
        if (!raised && i != anchor && has_text && r->slen <= 3 && call_text(r->stripped))
            raised = r->y - anc->y > 0.25 * main_size;
        if (raised) {
            PyObject *got = PyObject_CallFunctionObjArgs(raised_fn, text, r->text, r->stripped,
                                                         has_text ? Py_True : Py_False, NULL);
            if (!got)
                goto fail;
            if (got != Py_None) {
                long kind;
                if (!PyTuple_Check(got) || PyTuple_GET_SIZE(got) != 3 ||
                    ((kind = PyLong_AsLong(PyTuple_GET_ITEM(got, 0))) == -1 && PyErr_Occurred())) {
                    Py_DECREF(got);
                    if (!PyErr_Occurred())
                        PyErr_SetString(PyExc_TypeError, "raised_run: a (kind, text, value) tuple expected");
                    goto fail;
                }
                PyObject *v = PyTuple_GET_ITEM(got, 2);
                if (kind == 2) { /* LEAD */
                    Py_INCREF(v);
                    Py_SETREF(lead, v);
                    Py_DECREF(got);
                    continue;
                }
                PyObject *t2 = PyTuple_GET_ITEM(got, 1);
                Py_INCREF(t2);
                Py_SETREF(text, t2);
                if (kind == 1) { /* CALL */
                    if (PyList_Append(calls, v) < 0) {
                        Py_DECREF(got);
                        goto fail;
                    }
                }
                else
                    has_text = 1;
                Py_DECREF(got);
                prev = i;
                continue;
            }
            Py_DECREF(got);
        }
        Py_ssize_t tl = PyUnicode_GET_LENGTH(text);
        if (prev >= 0 && tl && PyUnicode_READ_CHAR(text, tl - 1) != ' ' &&
            !(r->tlen && PyUnicode_READ_CHAR(r->text, 0) == ' ')) {
            R *p = &rs[idx[prev]];
            if (r->seq != p->seq + 1 && r->x - (p->x + p->width) > 0.1 * r->size)
                if (append(&text, space_str) < 0)
                    goto fail;
        }
        if (append(&text, r->text) < 0)
            goto fail;
        if (r->slen)
            has_text = 1;
        word[i] = 1;
        prev = i;
    }
    /* calls sit before trailing spaces we strip; offsets are in the stripped text */
    PyObject *stripped = PyObject_CallMethodNoArgs(text, s_strip);
    if (!stripped)
        goto fail;
    Py_ssize_t ncalls = PyList_GET_SIZE(calls);
    if (ncalls) {
        Py_ssize_t tl = PyUnicode_GET_LENGTH(text), lead_sp = 0;
        while (lead_sp < tl && Py_UNICODE_ISSPACE(PyUnicode_READ_CHAR(text, lead_sp)))
            lead_sp++;
        Py_ssize_t sl = PyUnicode_GET_LENGTH(stripped);
        for (Py_ssize_t c = 0; c < ncalls; c++) {
            PyObject *item = PyList_GET_ITEM(calls, c);
            if (!PyTuple_Check(item) || PyTuple_GET_SIZE(item) != 2) {
                PyErr_SetString(PyExc_TypeError, "raised_run: an (offset, label) call expected");
                Py_DECREF(stripped);
                goto fail;
            }
            Py_ssize_t o = PyLong_AsSsize_t(PyTuple_GET_ITEM(item, 0));
            if (o == -1 && PyErr_Occurred()) {
                Py_DECREF(stripped);
                goto fail;
            }
            o -= lead_sp;
            if (o > sl)
                o = sl;
            if (o < 0)
                o = 0;
            PyObject *fixed = Py_BuildValue("(nO)", o, PyTuple_GET_ITEM(item, 1));
            if (!fixed) {
                Py_DECREF(stripped);
                goto fail;
            }
            PyList_SET_ITEM(calls, c, fixed); /* steals; the old item goes */
            Py_DECREF(item);
        }
    }
    else {
        Py_ssize_t sl = PyUnicode_GET_LENGTH(stripped), at;
        int blanks = (at = PyUnicode_Find(stripped, two_spaces, 0, sl, 1)) != -1 ||
                     (at = PyUnicode_FindChar(stripped, '\t', 0, sl, 1)) != -1;
        if (at == -2) {
            Py_DECREF(stripped);
            goto fail;
        }
        if (blanks) {
            PyObject *s2 = PyObject_CallOneArg(collapse, stripped);
            Py_DECREF(stripped);
            if (!s2)
                goto fail;
            stripped = s2;
        }
    }
    Py_ssize_t bold_chars = 0, italic_chars = 0, all_chars = 0;
    int any_word = 0;
    for (Py_ssize_t i = 0; i < n; i++)
        any_word |= word[i];
    for (Py_ssize_t i = 0; i < n; i++) {
        if (any_word && !word[i])
            continue;
        R *r = &rs[idx[i]];
        all_chars += r->slen;
        if (r->bold)
            bold_chars += r->slen;
        if (r->italic)
            italic_chars += r->slen;
    }
    if (!all_chars)
        all_chars = 1;
    ln->bold = (double)bold_chars / (double)all_chars >= 0.9;
    ln->italic = (double)italic_chars / (double)all_chars >= 0.9;
    double x1 = rs[idx[0]].x + rs[idx[0]].width;
    for (Py_ssize_t i = 1; i < n; i++) {
        double v = rs[idx[i]].x + rs[idx[i]].width;
        if (v > x1)
            x1 = v;
    }
    ln->x1 = x1;
    ln->x0 = rs[idx[0]].x;
    Py_DECREF(text);
    PyMem_Free(word);
    ln->text = stripped;
    ln->calls = calls;
    ln->lead = lead;
    return 0;
fail:
    Py_XDECREF(text);
    Py_XDECREF(calls);
    Py_XDECREF(lead);
    PyMem_Free(word);
    return -1;
}

static PyObject *
line_object(R *rs, L *ln, PyObject *page_no, PyObject *const *ctx)
{
    PyObject *line_cls = ctx[0], *object_new = ctx[1];
    PyObject *obj = PyObject_CallOneArg(object_new, line_cls);
    if (!obj)
        return NULL;
    PyObject *runs = PyList_New(ln->n);
    if (!runs) {
        Py_DECREF(obj);
        return NULL;
    }
    for (Py_ssize_t i = 0; i < ln->n; i++) {
        PyObject *r = rs[ln->idx[i]].obj;
        Py_INCREF(r);
        PyList_SET_ITEM(runs, i, r);
    }
    PyObject *x1 = PyFloat_FromDouble(ln->x1);
    PyObject *values[13] = {runs,         page_no,      ln->text,  ln->calls,
                            rs[ln->idx[0]].xobj, x1,    ln->yobj,  ln->sizeobj,
                            ln->bold ? Py_True : Py_False, ln->italic ? Py_True : Py_False,
                            ln->lead,     empty_str,    empty_str};
    PyObject *names[13] = {s_runs, s_page, s_text, s_calls, s_x0, s_x1, s_y,
                           s_size, s_bold, s_italic, s_lead, s_role, s_note};
    int ok = x1 != NULL;
    for (int k = 0; ok && k < 13; k++)
        ok = PyObject_SetAttr(obj, names[k], values[k]) == 0;
    Py_DECREF(runs);
    Py_XDECREF(x1);
    if (!ok) {
        Py_DECREF(obj);
        return NULL;
    }
    return obj;
}

static void
free_lines(L *ls, Py_ssize_t n)
{
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_XDECREF(ls[i].text);
        Py_XDECREF(ls[i].calls);
        Py_XDECREF(ls[i].lead);
        Py_XDECREF(ls[i].yobj);
        Py_XDECREF(ls[i].sizeobj);
    }
    PyMem_Free(ls);
}

/* ---- build_lines --------------------------------------------------------------------------------- */
static PyObject *
lines(PyObject *self, PyObject *args)
{
    PyObject *runs_in, *page_no, *ctx_in;
    double masthead_y;
    int with_chars = 0;
    if (!PyArg_ParseTuple(args, "OOdO|p", &runs_in, &page_no, &masthead_y, &ctx_in, &with_chars))
        return NULL;
    if (!PyList_Check(runs_in) || !PyTuple_Check(ctx_in) || PyTuple_GET_SIZE(ctx_in) != 7) {
        PyErr_SetString(PyExc_TypeError, "lines(runs: list, page_no, masthead_y: float, ctx: 7-tuple)");
        return NULL;
    }
    PyObject *const *ctx = &PyTuple_GET_ITEM(ctx_in, 0);
    PyObject *label_only = ctx[3], *dot_leader = ctx[4];
    Py_ssize_t n = PyList_GET_SIZE(runs_in);
    if (n == 0)
        return with_chars ? Py_BuildValue("([]n)", (Py_ssize_t)0) : PyList_New(0);
    int masthead = 0;
    if (PyLong_CheckExact(page_no)) {
        int overflow;
        masthead = PyLong_AsLongAndOverflow(page_no, &overflow) == 1 && !overflow;
    }
    else
        Py_RETURN_NONE;
    PyObject *runs = PySequence_List(runs_in); /* a copy: the callbacks cannot change the list under us */
    if (!runs)
        return NULL;
    R *rs = PyMem_Calloc(n, sizeof(R));
    Py_ssize_t *order = PyMem_Malloc(sizeof(Py_ssize_t) * n);
    Py_ssize_t *gstart = NULL, *glen = NULL, *gmain = NULL, *members = NULL, *gnext = NULL;
    L *ls = NULL;
    L **lp = NULL;
    Py_ssize_t nl = 0;
    PyObject *out = NULL;
    if (!rs || !order) {
        PyErr_NoMemory();
        goto done;
    }
    PyObject *round_fn = ctx[2];
    RoundCache rc;
    rc.n = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        int st = read_run(PyList_GET_ITEM(runs, i), &rs[i], round_fn, &rc);
        if (st < 0)
            goto done;
        if (st > 0) {
            out = Py_None;
            Py_INCREF(out);
            goto done;
        }
        order[i] = i;
    }
    sort_runs = rs;
    qsort(order, n, sizeof(Py_ssize_t), cmp_yx);
    for (Py_ssize_t i = 0; i < n; i++)
        rs[order[i]].rank = i;

    /* runs whose baselines are close share a line (a raised small run is a call): each run is
       tried against the last three groups, newest first. Members are chained per group. */
    gmain = PyMem_Malloc(sizeof(Py_ssize_t) * n);
    gstart = PyMem_Malloc(sizeof(Py_ssize_t) * n); /* first member */
    glen = PyMem_Malloc(sizeof(Py_ssize_t) * n);
    gnext = PyMem_Malloc(sizeof(Py_ssize_t) * n); /* next member of the same group, by run */
    Py_ssize_t *glast = PyMem_Malloc(sizeof(Py_ssize_t) * n);
    if (!gmain || !gstart || !glen || !gnext || !glast) {
        PyMem_Free(glast);
        PyErr_NoMemory();
        goto done;
    }
    Py_ssize_t ng = 0;
    for (Py_ssize_t oi = 0; oi < n; oi++) {
        Py_ssize_t ri = order[oi];
        R *r = &rs[ri];
        int placed = 0;
        Py_ssize_t stop = ng - 4 > -1 ? ng - 4 : -1;
        for (Py_ssize_t k = ng - 1; k > stop; k--) {
            R *m = &rs[gmain[k]];
            double big, small;
            if (m->size >= r->size) {
                big = m->size;
                small = r->size;
            }
            else {
                big = r->size;
                small = m->size;
            }
            double tol = 0.45 * (big <= 1.5 * small ? big : small);
            if (fabs(m->y - r->y) <= tol || (r->size < 0.85 * m->size && 0 < r->y - m->y && r->y - m->y <= 0.7 * m->size) ||
                (m->size < 0.85 * r->size && 0 < m->y - r->y && m->y - r->y <= 0.7 * r->size)) {
                gnext[glast[k]] = ri;
                glast[k] = ri;
                gnext[ri] = -1;
                glen[k]++;
                if (r->size > m->size || (r->size == m->size && r->tlen > m->tlen))
                    gmain[k] = ri;
                placed = 1;
                break;
            }
        }
        if (!placed) {
            gmain[ng] = gstart[ng] = glast[ng] = ri;
            gnext[ri] = -1;
            glen[ng] = 1;
            ng++;
        }
    }
    PyMem_Free(glast);

    members = PyMem_Malloc(sizeof(Py_ssize_t) * n); /* each group's runs, sorted by x, group after group */
    ls = PyMem_Calloc(n, sizeof(L));
    if (!members || !ls) {
        PyErr_NoMemory();
        goto done;
    }
    Py_ssize_t at = 0;
    for (Py_ssize_t k = 0; k < ng; k++) {
        Py_ssize_t *g = members + at, len = glen[k];
        Py_ssize_t j = 0;
        for (Py_ssize_t ri = gstart[k]; ri >= 0; ri = gnext[ri])
            g[j++] = ri;
        sort_runs = rs; /* (again: a callback below may have let another thread sort its own) */
        qsort(g, len, sizeof(Py_ssize_t), cmp_x);
        at += len;
        /* split on wide horizontal gaps: two columns or a caption beside a title */
        Py_ssize_t seg0 = 0;
        for (Py_ssize_t i = 1; i <= len; i++) {
            int cut = i == len;
            if (!cut) {
                R *r = &rs[g[i]], *p = &rs[g[i - 1]];
                double wider = p->size >= r->size ? p->size : r->size;
                if ((r->seq != p->seq + 1 || (masthead && r->y > masthead_y)) &&
                    r->x - (p->x + p->width) > 4.0 * wider) {
                    int t = 0;
                    if (i - seg0 == 1) {
                        t = truth_of_call(label_only, p->text);
                        if (t < 0)
                            goto done;
                    }
                    if (!t) {
                        t = truth_of_call(dot_leader, p->text);
                        if (t < 0)
                            goto done;
                        cut = !t;
                    }
                }
            }
            if (cut) {
                L *ln = &ls[nl];
                ln->idx = g + seg0;
                ln->n = i - seg0;
                ln->order = nl;
                nl++;
                if (make_line(rs, ln, ctx) < 0)
                    goto done;
                ln->ykey = -nearbyint(ln->y);
                seg0 = i;
            }
        }
    }
    lp = PyMem_Malloc(sizeof(L *) * (nl ? nl : 1));
    if (!lp) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < nl; i++)
        lp[i] = &ls[i];
    qsort(lp, nl, sizeof(L *), cmp_lines);
    /* a note call set on a line of its own, just above or beside the end of a line: "*" */
    PyObject *res = PyList_New(0);
    if (!res)
        goto done;
    L *last = NULL;
    PyObject *last_obj = NULL;
    for (Py_ssize_t i = 0; i < nl; i++) {
        L *ln = lp[i];
        if (last && PyUnicode_GET_LENGTH(ln->text) <= 3 && call_text(ln->text) && !all_digits(ln->text) &&
            ln->size < last->size) {
            if (fabs(last->y - ln->y) < 1.2 * last->size) {
                PyObject *call = Py_BuildValue("(nO)", PyUnicode_GET_LENGTH(last->text), ln->text);
                if (!call || PyList_Append(last->calls, call) < 0) {
                    Py_XDECREF(call);
                    Py_DECREF(res);
                    goto done;
                }
                Py_DECREF(call);
                continue;
            }
        }
        if (last_obj) {
            int bad = PyList_Append(res, last_obj);
            Py_DECREF(last_obj);
            last_obj = NULL;
            if (bad < 0) {
                Py_DECREF(res);
                goto done;
            }
        }
        /* made when the next line is decided: a call line may still add to its calls (the list is
           shared, so making it now would do too) */
        last_obj = line_object(rs, ln, page_no, ctx);
        if (!last_obj) {
            Py_DECREF(res);
            goto done;
        }
        last = ln;
    }
    if (last_obj) {
        int bad = PyList_Append(res, last_obj);
        Py_DECREF(last_obj);
        if (bad < 0) {
            Py_DECREF(res);
            goto done;
        }
    }
    if (with_chars) {
        Py_ssize_t chars = 0; /* sum(len(r.text.strip()) for r in runs) */
        for (Py_ssize_t i = 0; i < n; i++)
            chars += rs[i].slen;
        out = Py_BuildValue("(Nn)", res, chars);
    }
    else
        out = res;
done:
    if (ls)
        free_lines(ls, nl);
    PyMem_Free(lp);
    PyMem_Free(members);
    PyMem_Free(gmain);
    PyMem_Free(gstart);
    PyMem_Free(glen);
    PyMem_Free(gnext);
    PyMem_Free(order);
    if (rs)
        free_runs(rs, n);
    Py_DECREF(runs);
    return out;
}

/* ---- table_rows ---------------------------------------------------------------------------------- */
/* a number of Python's: a float or an int within 2^53 (exact as a double); 0, 1 not one, -1 error */
static int
exact_number(PyObject *v, double *out)
{
    if (PyFloat_CheckExact(v)) {
        *out = PyFloat_AS_DOUBLE(v);
        return isfinite(*out) ? 0 : 1;
    }
    if (PyLong_CheckExact(v)) {
        int overflow = 0;
        long long n = PyLong_AsLongLongAndOverflow(v, &overflow);
        if (n == -1 && PyErr_Occurred())
            return -1;
        if (overflow || n > (1LL << 53) || n < -(1LL << 53))
            return 1;
        *out = (double)n;
        return 0;
    }
    return 1;
}

static int
cmp_ll(const void *a, const void *b)
{
    long long p = *(const long long *)a, q = *(const long long *)b;
    return p < q ? -1 : p > q;
}

/* how many of a's positions lie within one of a position of b (both sorted, without repeats) */
static Py_ssize_t
close_count(const long long *a, Py_ssize_t na, const long long *b, Py_ssize_t nb)
{
    Py_ssize_t count = 0, p = 0;
    for (Py_ssize_t i = 0; i < na; i++) {
        while (p < nb && b[p] < a[i] - 1)
            p++;
        if (p < nb && b[p] <= a[i] + 1)
            count++;
    }
    return count;
}

static PyObject *
table_rows(PyObject *self, PyObject *args)
{
    PyObject *lines_in, *label_start, *dot_item;
    Py_ssize_t window;
    if (!PyArg_ParseTuple(args, "O!nOO", &PyList_Type, &lines_in, &window, &label_start, &dot_item))
        return NULL;
    PyObject *lines_l = PySequence_List(lines_in); /* the callbacks cannot change it under us */
    if (!lines_l)
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(lines_l);
    long long **cols = PyMem_Calloc(n ? n : 1, sizeof(long long *));
    Py_ssize_t *ncols = PyMem_Calloc(n ? n : 1, sizeof(Py_ssize_t));
    long long *x0r = PyMem_Calloc(n ? n : 1, sizeof(long long)); /* round(x0) */
    char *row = PyMem_Calloc(n + 1, 1);
    PyObject *out = NULL;
    if (!cols || !ncols || !x0r || !row) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *ln = PyList_GET_ITEM(lines_l, i);
        PyObject *runs = PyObject_GetAttr(ln, s_runs);
        PyObject *x0o = runs ? PyObject_GetAttr(ln, s_x0) : NULL;
        double x0;
        int st = x0o ? exact_number(x0o, &x0) : -1;
        Py_XDECREF(x0o);
        if (st == 0 && !PyList_Check(runs))
            st = 1;
        if (st != 0) {
            Py_XDECREF(runs);
            if (st > 0) {
                out = Py_None;
                Py_INCREF(out);
            }
            goto done;
        }
        x0r[i] = (long long)nearbyint(x0);
        Py_ssize_t nr = PyList_GET_SIZE(runs);
        if (nr == 1) { /* its one run starts at x0 */
            Py_DECREF(runs);
            continue;
        }
        long long *c = PyMem_Malloc(sizeof(long long) * (nr ? nr : 1));
        if (!c) {
            Py_DECREF(runs);
            PyErr_NoMemory();
            goto done;
        }
        cols[i] = c;
        Py_ssize_t m = 0;
        for (Py_ssize_t k = 0; k < nr; k++) {
            PyObject *xo = PyObject_GetAttr(PyList_GET_ITEM(runs, k), s_x);
            double x;
            st = xo ? exact_number(xo, &x) : -1;
            Py_XDECREF(xo);
            if (st != 0) {
                Py_DECREF(runs);
                if (st > 0) {
                    out = Py_None;
                    Py_INCREF(out);
                }
                goto done;
            }
            if (x > x0 + 20)
                c[m++] = (long long)nearbyint(x); /* round(x), an int: halves to even */
        }
        Py_DECREF(runs);
        qsort(c, m, sizeof(long long), cmp_ll);
        Py_ssize_t u = 0;
        for (Py_ssize_t k = 0; k < m; k++)
            if (u == 0 || c[k] != c[u - 1])
                c[u++] = c[k];
        if (u) { /* a line that opens with a list label is an item, not a row */
            PyObject *text = PyObject_GetAttr(ln, s_text);
            if (!text)
                goto done;
            int t = truth_of_call(label_start, text);
            if (t == 0)
                t = truth_of_call(dot_item, text);
            Py_DECREF(text);
            if (t < 0)
                goto done;
            if (t)
                u = 0;
        }
        ncols[i] = u;
    }
    /* rows: at least two lines of the window around share most of their columns */
    for (Py_ssize_t i = 0; i < n; i++) {
        if (ncols[i] < 2)
            continue;
        int alike = 0;
        Py_ssize_t lo = i - window > 0 ? i - window : 0, hi = i + window + 1 < n ? i + window + 1 : n;
        for (Py_ssize_t j = lo; j < hi; j++) {
            if (j == i || !ncols[j])
                continue;
            double need = 0.6 * (double)(ncols[i] < ncols[j] ? ncols[i] : ncols[j]);
            if (need < 2)
                need = 2;
            if ((double)close_count(cols[i], ncols[i], cols[j], ncols[j]) >= need && ++alike >= 2) {
                row[i] = 1;
                break;
            }
        }
    }
    /* a cell that runs onto a line of its own starts at a column (in order: a line made a row
       here counts for the next) */
    for (Py_ssize_t i = 0; i < n; i++) {
        if (row[i])
            continue;
        for (Py_ssize_t j = i - 1; j <= i + 1; j += 2)
            if (j >= 0 && j < n && row[j] && close_count(&x0r[i], 1, cols[j], ncols[j])) {
                row[i] = 1;
                break;
            }
    }
    /* three rows at least, one after the other */
    out = PySet_New(NULL);
    if (!out)
        goto done;
    for (Py_ssize_t i = 0; i < n;) {
        if (!row[i]) {
            i++;
            continue;
        }
        Py_ssize_t j = i;
        while (j < n && row[j])
            j++;
        if (j - i >= 3)
            for (Py_ssize_t k = i; k < j; k++) {
                PyObject *id = PyLong_FromVoidPtr(PyList_GET_ITEM(lines_l, k));
                if (!id || PySet_Add(out, id) < 0) {
                    Py_XDECREF(id);
                    Py_CLEAR(out);
                    goto done;
                }
                Py_DECREF(id);
            }
        i = j;
    }
done:
    if (cols)
        for (Py_ssize_t i = 0; i < n; i++)
            PyMem_Free(cols[i]);
    PyMem_Free(cols);
    PyMem_Free(ncols);
    PyMem_Free(x0r);
    PyMem_Free(row);
    Py_DECREF(lines_l);
    return out;
}

static PyMethodDef methods[] = {
    {"lines", lines, METH_VARARGS,
     "lines(runs, page_no, masthead_y, ctx[, with_chars]): the page's lines, as pdf.build_lines makes "
     "them (see the module's source), and with with_chars the characters of the runs' stripped "
     "texts; or None where the Python functions must make them"},
    {"table_rows", table_rows, METH_VARARGS,
     "table_rows(lines, window, label_start_match, dot_item_match): pdf.table_rows' set of the ids "
     "of the lines that are table rows, or None where the Python function must decide"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_pdflines",
    "A page's runs made into lines (pincite.ingest.readers.pdf.build_lines).", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC
PyInit__pdflines(void)
{
#define INTERN(var, s)                                   \
    if (!(var = PyUnicode_InternFromString(s)))          \
        return NULL;
    INTERN(s_text, "text")
    INTERN(s_x, "x")
    INTERN(s_y, "y")
    INTERN(s_size, "size")
    INTERN(s_bold, "bold")
    INTERN(s_width, "width")
    INTERN(s_seq, "seq")
    INTERN(s_italic, "italic")
    INTERN(s_rise, "rise")
    INTERN(s_strip, "strip")
    INTERN(s_runs, "runs")
    INTERN(s_page, "page")
    INTERN(s_calls, "calls")
    INTERN(s_x0, "x0")
    INTERN(s_x1, "x1")
    INTERN(s_lead, "lead")
    INTERN(s_role, "role")
    INTERN(s_note, "note")
    INTERN(empty_str, "")
    INTERN(space_str, " ")
    INTERN(two_spaces, "  ")
#undef INTERN
    if (!(one_int = PyLong_FromLong(1)))
        return NULL;
    return PyModule_Create(&module);
}
