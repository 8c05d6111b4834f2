/* py3langid's feature walk (`visit_counts`) over many texts, in C (pincite.ingest.lang).

   py3langid steps through a text's bytes one by one, each step a look-up in its automaton:
       state = nextmove[rowbase[state] + byte]; feature = output[state]; kept when >= 0
   This is that loop, for every text of a list, with the model's own arrays (read through the buffer
   protocol, not copied). It gives each text's feature counts as py3langid's Counter(indexes) holds
   them: an instance of the mapping type given (collections.Counter), its keys in the order the walk
   first met them, or None when it met none; or, asked for no mapping type, the arrays py3langid's
   scoring makes of that Counter (its keys as intp, its counts as float32), as bytes. Optional (setup.py): where
   it is not built, lang.py takes the same steps with NumPy, and tests/test_lang.py checks both
   against py3langid's own walk. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>

#define LANES 8 /* texts walked side by side */

static int
get_buffer(PyObject *obj, Py_buffer *view, Py_ssize_t itemsize, const char *what)
{
    if (PyObject_GetBuffer(obj, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0)
        return -1;
    if (view->itemsize != itemsize) {
        PyErr_Format(PyExc_ValueError, "walk: %s has items of %zd bytes, not %zd", what, view->itemsize,
                     itemsize);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

/* The model's tables as the functions below take them: the automaton's first (nextmove uint32,
   rowbase and output int64), then, for classify, the scores (ptc and pc, float32). */
enum { NEXTMOVE, ROWBASE, OUTPUT, PTC, PC, N_TABLES };
static const Py_ssize_t TABLE_ITEMSIZE[N_TABLES] = {4, 8, 8, 4, 4};
static const char *const TABLE_NAME[N_TABLES] = {"nextmove", "rowbase", "output", "ptc", "pc"};

static void
release_tables(Py_buffer *views, int n)
{
    while (n-- > 0)
        PyBuffer_Release(&views[n]);
}

/* The first n tables' buffers: all of them, or none and -1 with an exception set. */
static int
get_tables(PyObject *const *objs, Py_buffer *views, int n)
{
    for (int i = 0; i < n; i++)
        if (get_buffer(objs[i], &views[i], TABLE_ITEMSIZE[i], TABLE_NAME[i]) < 0) {
            release_tables(views, i);
            return -1;
        }
    return 0;
}

/* The walks of every text of `texts` (bytes): the features each meets, text after text, each in
   the order met, into *feats_out; text i's begin at (*start_out)[i] and are (*found_out)[i]. The
   walks of LANES texts go side by side, a byte of each in turn: each step is a look-up in a 39 MB
   table, mostly a cache miss, and the walks of different texts do not wait on each other's. Each
   text's own steps are taken in its order, as one walk would take them. -1 with an exception set;
   the arrays are the caller's to free (PyMem_Free) either way. *top_out: the highest feature. */
static int
walk_texts(const Py_buffer *tables, PyObject *texts, int64_t **feats_out, Py_ssize_t **start_out,
           Py_ssize_t **found_out, int64_t *top_out)
{
    const uint32_t *nextmove = (const uint32_t *)tables[NEXTMOVE].buf;
    const int64_t *rowbase = (const int64_t *)tables[ROWBASE].buf;
    const int64_t *output = (const int64_t *)tables[OUTPUT].buf;
    const Py_ssize_t n_moves = tables[NEXTMOVE].len / 4, n_rows = tables[ROWBASE].len / 8,
                     n_out = tables[OUTPUT].len / 8;
    Py_ssize_t n = PyList_GET_SIZE(texts);
    Py_ssize_t *start = *start_out = PyMem_Malloc((size_t)(n + 1) * sizeof(Py_ssize_t));
    Py_ssize_t *found = *found_out = PyMem_Calloc((size_t)n + 1, sizeof(Py_ssize_t));
    *feats_out = NULL;
    if (!start || !found) {
        PyErr_NoMemory();
        return -1;
    }
    start[0] = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *t = PyList_GET_ITEM(texts, i);
        if (!PyBytes_Check(t)) {
            PyErr_SetString(PyExc_TypeError, "walk: the texts must be bytes");
            return -1;
        }
        start[i + 1] = start[i] + PyBytes_GET_SIZE(t); /* a text meets a feature a byte at most */
    }
    int64_t *feats = *feats_out = PyMem_Malloc((size_t)(start[n] + 1) * sizeof(int64_t));
    if (!feats) {
        PyErr_NoMemory();
        return -1;
    }
    int64_t top = -1;
    for (Py_ssize_t k = 0; k < n_out; k++)
        if (output[k] > top)
            top = output[k];
    *top_out = top;
    for (Py_ssize_t g = 0; g < n; g += LANES) {
        int m = n - g < LANES ? (int)(n - g) : LANES;
        const unsigned char *sp[LANES];
        Py_ssize_t len[LANES], hit[LANES];
        int64_t state[LANES];
        Py_ssize_t longest = 0;
        for (int k = 0; k < m; k++) {
            PyObject *t = PyList_GET_ITEM(texts, g + k);
            sp[k] = (const unsigned char *)PyBytes_AS_STRING(t);
            len[k] = PyBytes_GET_SIZE(t);
            hit[k] = start[g + k];
            state[k] = 0;
            if (len[k] > longest)
                longest = len[k];
        }
        for (Py_ssize_t j = 0; j < longest; j++) {
            for (int k = 0; k < m; k++) {
                if (j >= len[k])
                    continue;
                int64_t st = state[k];
                if (st < 0 || st >= n_rows)
                    goto bad;
                int64_t at = rowbase[st] + sp[k][j];
                if (at < 0 || at >= n_moves)
                    goto bad;
                uint32_t next = nextmove[at];
                if ((Py_ssize_t)next >= n_out)
                    goto bad;
                state[k] = next;
                int64_t f = output[next];
                if (f >= 0)
                    feats[hit[k]++] = f;
            }
        }
        for (int k = 0; k < m; k++)
            found[g + k] = hit[k] - start[g + k];
    }
    return 0;
bad:
    PyErr_SetString(PyExc_ValueError, "walk: the automaton leads outside its tables");
    return -1;
}

static PyObject *
walk(PyObject *self, PyObject *args)
{
    PyObject *objs[OUTPUT + 1], *texts, *counter;
    if (!PyArg_ParseTuple(args, "OOOO!O:walk", &objs[NEXTMOVE], &objs[ROWBASE], &objs[OUTPUT], &PyList_Type,
                          &texts, &counter))
        return NULL;
    Py_buffer tables[OUTPUT + 1];
    if (get_tables(objs, tables, OUTPUT + 1) < 0)
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(texts);
    PyObject *result = PyList_New(n);
    int64_t *feats = NULL;   /* every text's features, text after text, each in the order met */
    Py_ssize_t *start = NULL; /* text i's features begin at feats[start[i]] ... */
    Py_ssize_t *found = NULL; /* ... and are found[i] */
    Py_ssize_t *count = NULL; /* counts per feature (the output's values: 0 .. top) */
    if (!result)
        goto fail;
    int64_t top;
    if (walk_texts(tables, texts, &feats, &start, &found, &top) < 0)
        goto fail;
    count = PyMem_Calloc((size_t)(top + 2), sizeof(Py_ssize_t));
    if (!count) {
        PyErr_NoMemory();
        goto fail;
    }
    /* each text's counts, keyed in the order the walk first met each feature (Counter(indexes)) */
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *item;
        const int64_t *fs = feats + start[i];
        if (found[i] && counter == Py_None) {
            /* (features, counts) as the bytes of an intp and a float32 array, in that order: what
               py3langid's _sparse_score makes of the Counter with np.fromiter */
            for (Py_ssize_t k = 0; k < found[i]; k++)
                count[fs[k]]++;
            Py_ssize_t distinct = 0;
            for (Py_ssize_t k = 0; k < found[i]; k++)
                if (count[fs[k]] > 0) {
                    distinct++;
                    count[fs[k]] = -count[fs[k]]; /* met: negative until written */
                }
            PyObject *keys = PyBytes_FromStringAndSize(NULL, distinct * (Py_ssize_t)sizeof(Py_ssize_t));
            PyObject *vals = keys ? PyBytes_FromStringAndSize(NULL, distinct * (Py_ssize_t)sizeof(float)) : NULL;
            if (!vals) {
                Py_XDECREF(keys);
                goto fail;
            }
            Py_ssize_t *kp = (Py_ssize_t *)PyBytes_AS_STRING(keys);
            float *vp = (float *)PyBytes_AS_STRING(vals);
            Py_ssize_t d = 0;
            for (Py_ssize_t k = 0; k < found[i]; k++) {
                if (count[fs[k]] >= 0)
                    continue; /* already written */
                kp[d] = (Py_ssize_t)fs[k];
                vp[d] = (float)(-count[fs[k]]);
                d++;
                count[fs[k]] = 0;
            }
            item = PyTuple_Pack(2, keys, vals);
            Py_DECREF(keys);
            Py_DECREF(vals);
            if (!item)
                goto fail;
        } else if (found[i]) {
            item = PyObject_CallNoArgs(counter);
            if (!item)
                goto fail;
            for (Py_ssize_t k = 0; k < found[i]; k++)
                count[fs[k]]++;
            int failed = 0;
            for (Py_ssize_t k = 0; k < found[i] && !failed; k++) {
                if (!count[fs[k]])
                    continue; /* already keyed */
                PyObject *key = PyLong_FromLongLong(fs[k]);
                PyObject *v = key ? PyLong_FromSsize_t(count[fs[k]]) : NULL;
                failed = !v || PyObject_SetItem(item, key, v) < 0;
                Py_XDECREF(key);
                Py_XDECREF(v);
                count[fs[k]] = 0;
            }
            if (failed) {
                Py_DECREF(item);
                goto fail;
            }
        } else {
            Py_INCREF(Py_None);
            item = Py_None;
        }
        PyList_SET_ITEM(result, i, item);
    }
    PyMem_Free(feats);
    PyMem_Free(start);
    PyMem_Free(found);
    PyMem_Free(count);
    release_tables(tables, OUTPUT + 1);
    return result;
fail:
    PyMem_Free(feats);
    PyMem_Free(start);
    PyMem_Free(found);
    PyMem_Free(count);
    Py_XDECREF(result);
    release_tables(tables, OUTPUT + 1);
    return NULL;
}

/* py3langid's classify (norm_probs=True) of many texts: the walk above, then its naive Bayes score
   of each text's features, log1p(count) times the feature's row of `ptc` (float32, one column per
   language) summed, plus `pc` (float32), scaled by 1/sqrt(bytes) and made probabilities with a
   softmax. The sums are taken in double precision (NumPy's float32 product sums in its own order):
   the probabilities agree with py3langid's to ~1e-4 (its float32 sums of several hundred
   features, scores of ~5,000, round by that much)
   (tests/test_lang.py). Each text gives (index of the most likely language, its probability); a
   text with no feature gives every language the same probability, and the first. */
static PyObject *
classify(PyObject *self, PyObject *args)
{
    PyObject *objs[N_TABLES], *texts;
    if (!PyArg_ParseTuple(args, "OOOOOO!:classify", &objs[NEXTMOVE], &objs[ROWBASE], &objs[OUTPUT], &objs[PTC],
                          &objs[PC], &PyList_Type, &texts))
        return NULL;
    Py_buffer tables[N_TABLES];
    if (get_tables(objs, tables, N_TABLES) < 0)
        return NULL;
    PyObject *result = NULL;
    int64_t *feats = NULL;
    Py_ssize_t *start = NULL, *found = NULL, *count = NULL;
    double *score = NULL;
    float *prob = NULL;
    const Py_ssize_t langs = tables[PC].len / 4;
    if (langs < 1) {
        PyErr_SetString(PyExc_ValueError, "classify: no languages");
        goto done;
    }
    const float *ptc = (const float *)tables[PTC].buf, *pc = (const float *)tables[PC].buf;
    int64_t top;
    if (walk_texts(tables, texts, &feats, &start, &found, &top) < 0)
        goto done;
    if ((top + 1) * langs > tables[PTC].len / 4) {
        PyErr_SetString(PyExc_ValueError, "classify: the automaton's features outnumber ptc's rows");
        goto done;
    }
    count = PyMem_Calloc((size_t)(top + 2), sizeof(Py_ssize_t));
    score = PyMem_Malloc((size_t)langs * sizeof(double));
    prob = PyMem_Malloc((size_t)langs * sizeof(float));
    Py_ssize_t n = PyList_GET_SIZE(texts);
    result = PyList_New(n);
    if (!count || !score || !prob || !result) {
        if (!PyErr_Occurred())
            PyErr_NoMemory();
        Py_CLEAR(result);
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        const int64_t *fs = feats + start[i];
        Py_ssize_t best = 0;
        float conf;
        if (!found[i]) {
            conf = 1.0f / (float)langs; /* all scores 0: a uniform softmax */
        } else {
            for (Py_ssize_t l = 0; l < langs; l++)
                score[l] = 0.0;
            for (Py_ssize_t k = 0; k < found[i]; k++)
                count[fs[k]]++;
            for (Py_ssize_t k = 0; k < found[i]; k++) {
                Py_ssize_t c = count[fs[k]];
                if (!c)
                    continue; /* already summed */
                count[fs[k]] = 0;
                const double w = (double)log1pf((float)c);
                const float *row = ptc + fs[k] * langs;
                for (Py_ssize_t l = 0; l < langs; l++)
                    score[l] += w * (double)row[l];
            }
            const float scale = (float)(1.0 / sqrt((double)PyBytes_GET_SIZE(PyList_GET_ITEM(texts, i))));
            float top_score = 0.0f;
            for (Py_ssize_t l = 0; l < langs; l++) {
                prob[l] = ((float)score[l] + pc[l]) * scale;
                if (l == 0 || prob[l] > top_score)
                    top_score = prob[l];
            }
            double sum = 0.0;
            for (Py_ssize_t l = 0; l < langs; l++) {
                prob[l] = expf(prob[l] - top_score);
                sum += prob[l];
            }
            for (Py_ssize_t l = 0; l < langs; l++)
                if (prob[l] > prob[best])
                    best = l;
            conf = prob[best] / (float)sum;
        }
        PyObject *item = Py_BuildValue("(nd)", best, (double)conf);
        if (!item) {
            Py_CLEAR(result);
            goto done;
        }
        PyList_SET_ITEM(result, i, item);
    }
done:
    PyMem_Free(feats);
    PyMem_Free(start);
    PyMem_Free(found);
    PyMem_Free(count);
    PyMem_Free(score);
    PyMem_Free(prob);
    release_tables(tables, N_TABLES);
    return result;
}

static PyMethodDef methods[] = {
    {"walk", walk, METH_VARARGS,
     "walk(nextmove, rowbase, output, texts, counter): each text's feature counts, a counter() "
     "filled in the order py3langid's walk meets them (None when none), or with counter None the "
     "bytes of an intp array of those features and of a float32 array of their counts; nextmove "
     "uint32, rowbase and output int64 buffers"},
    {"classify", classify, METH_VARARGS,
     "classify(nextmove, rowbase, output, ptc, pc, texts): py3langid's classify (norm_probs) of each "
     "text (bytes) as (index of its language, probability); ptc a float32 buffer of a row of language "
     "columns per feature, pc float32 per language"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_langwalk",
    "py3langid's feature walk over many texts in one call (pincite.ingest.lang).", -1, methods,
};

PyMODINIT_FUNC
PyInit__langwalk(void)
{
    return PyModule_Create(&module);
}
