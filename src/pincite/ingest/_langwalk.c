/* py3langid's feature walk (`visit_counts`) over many texts, in C (pincite.ingest.lang).

   py3langid steps through a text's bytes one by one, each step a look-up in its automaton:
       state = nextmove[rowbase[state] + byte]; feature = output[state]; kept when >= 0
   This is that loop, for every text of a list, with the model's own arrays (read through the buffer
   protocol, not copied). It gives each text's feature counts as py3langid's Counter(indexes) holds
   them: an instance of the mapping type given (collections.Counter), its keys in the order the walk
   first met them, or None when it met none. Optional (setup.py): where
   it is not built, lang.py takes the same steps with NumPy, and tests/test_lang.py checks both
   against py3langid's own walk. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

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

static PyObject *
walk(PyObject *self, PyObject *args)
{
    PyObject *nm_o, *rb_o, *out_o, *texts, *counter;
    if (!PyArg_ParseTuple(args, "OOOO!O:walk", &nm_o, &rb_o, &out_o, &PyList_Type, &texts, &counter))
        return NULL;
    Py_buffer nm_b, rb_b, out_b;
    if (get_buffer(nm_o, &nm_b, 4, "nextmove") < 0)
        return NULL;
    if (get_buffer(rb_o, &rb_b, 8, "rowbase") < 0) {
        PyBuffer_Release(&nm_b);
        return NULL;
    }
    if (get_buffer(out_o, &out_b, 8, "output") < 0) {
        PyBuffer_Release(&nm_b);
        PyBuffer_Release(&rb_b);
        return NULL;
    }
    const uint32_t *nextmove = (const uint32_t *)nm_b.buf;
    const int64_t *rowbase = (const int64_t *)rb_b.buf;
    const int64_t *output = (const int64_t *)out_b.buf;
    const Py_ssize_t n_moves = nm_b.len / 4, n_rows = rb_b.len / 8, n_out = out_b.len / 8;
    Py_ssize_t n = PyList_GET_SIZE(texts);
    PyObject *result = PyList_New(n);
    int64_t *feats = NULL;
    Py_ssize_t cap = 0;
    /* counts per feature (the features are the output's values: 0 .. top) */
    int64_t top = -1;
    for (Py_ssize_t k = 0; k < n_out; k++)
        if (output[k] > top)
            top = output[k];
    Py_ssize_t *count = PyMem_Calloc((size_t)(top + 2), sizeof(Py_ssize_t));
    if (!result || !count) {
        if (!count)
            PyErr_NoMemory();
        goto fail;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *t = PyList_GET_ITEM(texts, i);
        if (!PyBytes_Check(t)) {
            PyErr_SetString(PyExc_TypeError, "walk: the texts must be bytes");
            goto fail;
        }
        const unsigned char *s = (const unsigned char *)PyBytes_AS_STRING(t);
        Py_ssize_t len = PyBytes_GET_SIZE(t);
        if (len > cap) {
            int64_t *more = PyMem_Realloc(feats, (size_t)len * sizeof(int64_t));
            if (!more) {
                PyErr_NoMemory();
                goto fail;
            }
            feats = more;
            cap = len;
        }
        Py_ssize_t found = 0;
        int64_t state = 0;
        for (Py_ssize_t j = 0; j < len; j++) {
            if (state < 0 || state >= n_rows)
                goto bad;
            int64_t at = rowbase[state] + s[j];
            if (at < 0 || at >= n_moves)
                goto bad;
            state = nextmove[at];
            if (state >= n_out)
                goto bad;
            int64_t f = output[state];
            if (f >= 0) {
                if (count[f]++ == 0)
                    feats[found++] = f; /* first met: its key's place */
            }
        }
        PyObject *item;
        if (found) {
            item = PyObject_CallNoArgs(counter);
            if (!item)
                goto fail;
            for (Py_ssize_t k = 0; k < found; k++) {
                PyObject *key = PyLong_FromLongLong(feats[k]);
                PyObject *v = key ? PyLong_FromSsize_t(count[feats[k]]) : NULL;
                int bad_set = !v || PyObject_SetItem(item, key, v) < 0;
                Py_XDECREF(key);
                Py_XDECREF(v);
                if (bad_set) {
                    Py_DECREF(item);
                    goto fail;
                }
            }
            for (Py_ssize_t k = 0; k < found; k++)
                count[feats[k]] = 0;
        } else {
            Py_INCREF(Py_None);
            item = Py_None;
        }
        PyList_SET_ITEM(result, i, item);
    }
    PyMem_Free(feats);
    PyMem_Free(count);
    PyBuffer_Release(&nm_b);
    PyBuffer_Release(&rb_b);
    PyBuffer_Release(&out_b);
    return result;
bad:
    PyErr_SetString(PyExc_ValueError, "walk: the automaton leads outside its tables");
fail:
    PyMem_Free(feats);
    PyMem_Free(count);
    Py_XDECREF(result);
    PyBuffer_Release(&nm_b);
    PyBuffer_Release(&rb_b);
    PyBuffer_Release(&out_b);
    return NULL;
}

static PyMethodDef methods[] = {
    {"walk", walk, METH_VARARGS,
     "walk(nextmove, rowbase, output, texts, counter): each text's feature counts, a counter() "
     "filled in the order py3langid's walk meets them (None when none); nextmove uint32, rowbase "
     "and output int64 buffers"},
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
