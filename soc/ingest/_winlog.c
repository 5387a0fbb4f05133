/* Compiled twin of soc.ingest.evtx.flatten_py (tests/test_evtx_flatten.py holds the two to the same results):
 *
 *   flatten(doc, written) -> dict
 *       an evtx JSON document ({"Event": {"System": …, "EventData": …}}) as Winlogbeat's flat names
 *       (winlog.event_id, winlog.event_data.<Name> …); `written` (str or None) stands in for a missing
 *       TimeCreated. Values become text as evtx.py's _text says: #text of a dict, lines of a list, str() of a
 *       number, "true"/"false" of a bool. A document whose parts have the wrong JSON type raises TypeError.
 *
 * The documents come from the evtx parser reading hostile files: nesting is bounded by Python's recursion limit.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#define MAX_CACHED 4096

static PyObject *data_keys, *user_keys, *s_binary_key;  /* EventData / UserData name -> its flat key */
static PyObject *s_text, *s_attributes, *s_data, *s_binary, *s_event, *s_system, *s_eventdata, *s_userdata,
    *s_newline, *s_true, *s_false, *s_prefix_data, *s_prefix_user;

static PyObject *text_of(PyObject *value);  /* new reference; Py_None for no text; NULL on error */

static PyObject *text_of_list(PyObject *list) {
    Py_ssize_t n = PyList_GET_SIZE(list);
    PyObject *parts = PyList_New(0);
    if (parts == NULL) return NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *t = text_of(PyList_GET_ITEM(list, i));
        if (t == NULL) { Py_DECREF(parts); return NULL; }
        int rc = t == Py_None ? 0 : PyList_Append(parts, t);
        Py_DECREF(t);
        if (rc < 0) { Py_DECREF(parts); return NULL; }
    }
    PyObject *joined = PyUnicode_Join(s_newline, parts);
    Py_DECREF(parts);
    return joined;
}

static PyObject *text_of(PyObject *value) {
    if (value == Py_None || PyUnicode_Check(value)) return Py_NewRef(value);
    if (PyBool_Check(value)) return Py_NewRef(value == Py_True ? s_true : s_false);
    if (PyDict_Check(value) || PyList_Check(value)) {
        if (Py_EnterRecursiveCall(" in an evtx record")) return NULL;
        PyObject *out;
        if (PyList_Check(value)) {
            out = text_of_list(value);
        } else {
            PyObject *inner = PyDict_GetItemWithError(value, s_text);
            out = inner != NULL ? text_of(inner) : (PyErr_Occurred() ? NULL : Py_NewRef(Py_None));
        }
        Py_LeaveRecursiveCall();
        return out;
    }
    return PyObject_Str(value);
}

static PyObject *get(PyObject *dict, PyObject *key) {  /* borrowed; Py_None when absent; NULL on error */
    PyObject *v = PyDict_GetItemWithError(dict, key);
    return v != NULL ? v : (PyErr_Occurred() ? NULL : Py_None);
}

static PyObject *object_or_empty(PyObject *parent, PyObject *key, PyObject *empty) {
    /* `parent.get(key) or {}` as a borrowed dict; NULL (TypeError) for a non-empty value that is not an object */
    PyObject *v = get(parent, key);
    if (v == NULL) return NULL;
    int truth = PyObject_IsTrue(v);
    if (truth < 0) return NULL;
    if (!truth) return empty;
    if (!PyDict_Check(v)) {
        PyErr_Format(PyExc_TypeError, "%U is a JSON %s, not an object", key, Py_TYPE(v)->tp_name);
        return NULL;
    }
    return v;
}

static PyObject *attribute(PyObject *node, PyObject *name) {  /* _attr: new reference */
    if (node == NULL || !PyDict_Check(node)) return Py_NewRef(Py_None);
    PyObject *attrs = PyDict_GetItemWithError(node, s_attributes);
    if (attrs == NULL) return PyErr_Occurred() ? NULL : Py_NewRef(Py_None);
    if (!PyDict_Check(attrs)) {
        PyErr_SetString(PyExc_TypeError, "#attributes is not a JSON object");
        return NULL;
    }
    PyObject *v = PyDict_GetItemWithError(attrs, name);
    return v != NULL ? text_of(v) : (PyErr_Occurred() ? NULL : Py_NewRef(Py_None));
}

static int put(PyObject *out, PyObject *key, PyObject *value) {  /* steals value */
    if (value == NULL) return -1;
    int rc = PyDict_SetItem(out, key, value);
    Py_DECREF(value);
    return rc;
}

static PyObject *prefixed(PyObject *cache, PyObject *prefix, PyObject *name) {
    /* prefix + name, new reference; remembered for the names seen first (a log has a few hundred) */
    PyObject *key = PyDict_GetItemWithError(cache, name);
    if (key != NULL) return Py_NewRef(key);
    if (PyErr_Occurred()) return NULL;
    key = PyUnicode_Concat(prefix, name);
    if (key != NULL && PyDict_GET_SIZE(cache) < MAX_CACHED && PyDict_SetItem(cache, name, key) < 0) Py_CLEAR(key);
    return key;
}

static int put_named(PyObject *out, PyObject *cache, PyObject *prefix, PyObject *name, PyObject *value) {
    /* borrows value */
    PyObject *key = prefixed(cache, prefix, name);
    if (key == NULL) return -1;
    PyObject *text = text_of(value);
    int rc = text == NULL ? -1 : PyDict_SetItem(out, key, text);
    Py_DECREF(key);
    Py_XDECREF(text);
    return rc;
}

static int event_data(PyObject *out, PyObject *data) {
    PyObject *name, *value, *unnamed = PyDict_GetItemWithError(data, s_data);
    if (unnamed == NULL && PyErr_Occurred()) return -1;
    Py_ssize_t pos = 0;
    while (PyDict_Next(data, &pos, &name, &value)) {
        int skip = PyUnicode_Check(name) && (PyUnicode_Compare(name, s_data) == 0
                                             || PyUnicode_Compare(name, s_binary) == 0
                                             || PyUnicode_Compare(name, s_attributes) == 0);
        if (!skip && put_named(out, data_keys, s_prefix_data, name, value) < 0) return -1;
    }
    if (unnamed != NULL && unnamed != Py_None) {  /* <Data> without Name: Winlogbeat's param1, param2 … */
        int is_list = PyList_Check(unnamed);
        Py_ssize_t n = is_list ? PyList_GET_SIZE(unnamed) : 1;
        for (Py_ssize_t i = 0; i < n; i++) {
            PyObject *key = PyUnicode_FromFormat("%Uparam%zd", s_prefix_data, i + 1);
            if (key == NULL) return -1;
            PyObject *text = text_of(is_list ? PyList_GET_ITEM(unnamed, i) : unnamed);
            int rc = text == NULL ? -1 : PyDict_SetItem(out, key, text);
            Py_DECREF(key);
            Py_XDECREF(text);
            if (rc < 0) return -1;
        }
    }
    PyObject *binary = PyDict_GetItemWithError(data, s_binary);
    if (binary == NULL) return PyErr_Occurred() ? -1 : 0;
    int truth = PyObject_IsTrue(binary);
    if (truth <= 0) return truth;
    return put(out, s_binary_key, text_of(binary));
}

static int user_data(PyObject *out, PyObject *user) {
    PyObject *key, *element, *name, *value;
    Py_ssize_t pos = 0;
    while (PyDict_Next(user, &pos, &key, &element)) {
        if (!PyDict_Check(element)) continue;
        Py_ssize_t inner = 0;
        while (PyDict_Next(element, &inner, &name, &value)) {
            if (PyUnicode_Check(name) && PyUnicode_Compare(name, s_attributes) == 0) continue;
            if (put_named(out, user_keys, s_prefix_user, name, value) < 0) return -1;
        }
    }
    return 0;
}

static struct { const char *flat, *element, *attribute; PyObject *flat_key, *element_key, *attribute_key; }
    SYSTEM[] = {  /* Winlogbeat's name for each System element (or attribute of one), in Winlogbeat's order */
        {"@timestamp", "TimeCreated", "SystemTime"}, {"winlog.event_id", "EventID"}, {"winlog.channel", "Channel"},
        {"winlog.provider_name", "Provider", "Name"}, {"winlog.provider_guid", "Provider", "Guid"},
        {"winlog.computer_name", "Computer"}, {"winlog.record_id", "EventRecordID"}, {"winlog.level", "Level"},
        {"winlog.task", "Task"}, {"winlog.opcode", "Opcode"}, {"winlog.keywords", "Keywords"},
        {"winlog.version", "Version"}, {"winlog.process.pid", "Execution", "ProcessID"},
        {"winlog.process.thread.id", "Execution", "ThreadID"}, {"winlog.user.identifier", "Security", "UserID"}};
#define N_SYSTEM (sizeof SYSTEM / sizeof SYSTEM[0])

static PyObject *flatten(PyObject *self, PyObject *args) {
    PyObject *doc, *written;
    if (!PyArg_ParseTuple(args, "O!O", &PyDict_Type, &doc, &written)) return NULL;
    PyObject *empty = PyDict_New(), *out = PyDict_New();
    if (empty == NULL || out == NULL) goto fail;
    PyObject *event = object_or_empty(doc, s_event, empty);
    PyObject *system = event ? object_or_empty(event, s_system, empty) : NULL;
    if (system == NULL) goto fail;
    for (size_t i = 0; i < N_SYSTEM; i++) {
        PyObject *element = get(system, SYSTEM[i].element_key), *value;
        if (element == NULL) goto fail;
        value = SYSTEM[i].attribute_key ? attribute(element, SYSTEM[i].attribute_key) : text_of(element);
        if (i == 0 && value != NULL) {  /* a record without TimeCreated: the time the parser gives */
            int truth = PyObject_IsTrue(value);
            if (truth <= 0) Py_SETREF(value, truth < 0 ? NULL : Py_NewRef(written));
        }
        if (put(out, SYSTEM[i].flat_key, value) < 0) goto fail;
    }
    PyObject *data = get(event, s_eventdata);
    if (data == NULL || (PyDict_Check(data) && event_data(out, data) < 0)) goto fail;
    PyObject *user = get(event, s_userdata);
    if (user == NULL || (PyDict_Check(user) && user_data(out, user) < 0)) goto fail;
    Py_DECREF(empty);
    return out;
fail:
    Py_XDECREF(empty);
    Py_XDECREF(out);
    return NULL;
}

static PyMethodDef methods[] = {
    {"flatten", flatten, METH_VARARGS, "An evtx JSON document as Winlogbeat's flat names (see evtx.flatten_py)."},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_winlog", NULL, -1, methods};

PyMODINIT_FUNC PyInit__winlog(void) {
    struct { PyObject **slot; const char *text; } names[] = {
        {&s_text, "#text"}, {&s_attributes, "#attributes"}, {&s_data, "Data"}, {&s_binary, "Binary"},
        {&s_event, "Event"}, {&s_system, "System"}, {&s_eventdata, "EventData"}, {&s_userdata, "UserData"},
        {&s_newline, "\n"}, {&s_true, "true"}, {&s_false, "false"}, {&s_prefix_data, "winlog.event_data."},
        {&s_prefix_user, "winlog.user_data."}, {&s_binary_key, "winlog.event_data.Binary"}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if ((*names[i].slot = PyUnicode_InternFromString(names[i].text)) == NULL) return NULL;
    for (size_t i = 0; i < N_SYSTEM; i++) {
        if ((SYSTEM[i].flat_key = PyUnicode_InternFromString(SYSTEM[i].flat)) == NULL
            || (SYSTEM[i].element_key = PyUnicode_InternFromString(SYSTEM[i].element)) == NULL
            || (SYSTEM[i].attribute && (SYSTEM[i].attribute_key = PyUnicode_InternFromString(SYSTEM[i].attribute))
                                           == NULL))
            return NULL;
    }
    if ((data_keys = PyDict_New()) == NULL || (user_keys = PyDict_New()) == NULL) return NULL;
    return PyModule_Create(&module);
}
