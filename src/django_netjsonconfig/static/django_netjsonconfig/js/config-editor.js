/*
 * django-netjsonconfig: the NetJSON editor of the admin.
 *
 * Every <textarea data-netjsonconfig-editor> (the "config" field of devices and
 * templates) becomes:
 *   - a form generated from the JSON schema of the backend chosen in the same
 *     form (@json-editor/json-editor); changing the backend rebuilds it;
 *   - an advanced mode: the raw NetJSON in a code editor (CodeMirror), checked
 *     as you type (syntax, then the backend's schema), and back to the form;
 *   - {{ variables }} accepted in any text value, even where the schema asks for
 *     a pattern or a format (MAC, IP): the server checks the resolved value;
 *   - the server's errors (Django's errorlist above the field) shown on the
 *     field of the form they name ("... at interfaces[0].mac").
 * The textarea stays the field that is posted: both modes write into it, so the
 * preview, the archive download and the save all see what is on screen. The
 * form writes into it only once the operator changed something in it, so a
 * configuration the form cannot show in full is kept as it is.
 * Without the libraries (no `make assets`) the widget has no data attributes and
 * nothing here runs: the textarea is the editor.
 */
(function () {
  'use strict';

  var VARIABLE = /\{\{\s*\w*\s*\}\}/;
  // what a {{ variable }} in a text value may violate before it is resolved
  var LENIENT = { pattern: true, format: true, minLength: true, maxLength: true, enum: true };
  var schemaRequests = {};
  var instances = [];

  function gettext(text) {
    return typeof window.gettext === 'function' ? window.gettext(text) : text;
  }

  function loadSchemas(url) {
    if (!schemaRequests[url]) {
      schemaRequests[url] = fetch(url, {
        credentials: 'same-origin',
        headers: { Accept: 'application/json' }
      }).then(function (response) {
        if (!response.ok) throw new Error('schema.json: HTTP ' + response.status);
        return response.json();
      });
    }
    return schemaRequests[url];
  }

  // --- values --------------------------------------------------------------------------
  function canonical(value) {
    if (Array.isArray(value)) return '[' + value.map(canonical).join(',') + ']';
    if (value && typeof value === 'object') {
      return '{' + Object.keys(value).sort().map(function (key) {
        return JSON.stringify(key) + ':' + canonical(value[key]);
      }).join(',') + '}';
    }
    return JSON.stringify(value);
  }

  function pretty(value) {
    return JSON.stringify(value, null, 4);
  }

  function isObject(value) {
    return value !== null && typeof value === 'object' && !Array.isArray(value);
  }

  // "root.interfaces.0.mac" <-> "interfaces[0].mac" (the server's notation)
  function readablePath(path) {
    var out = '';
    String(path || '').split('.').slice(1).forEach(function (part) {
      out += /^\d+$/.test(part) ? '[' + part + ']' : (out ? '.' : '') + part;
    });
    return out || '(root)';
  }

  function editorPath(readable) {
    if (!readable || readable === '(root)') return 'root';
    return 'root.' + readable.replace(/\[(\d+)\]/g, '.$1').replace(/^\./, '');
  }

  // paths ("root....") of the text values that use {{ name }}
  function pathsUsing(value, name, path, out) {
    path = path || 'root';
    out = out || [];
    if (typeof value === 'string') {
      var pattern = new RegExp('\\{\\{\\s*' + name + '\\s*\\}\\}');
      if (pattern.test(value)) out.push(path);
    } else if (value && typeof value === 'object') {
      Object.keys(value).forEach(function (key) {
        pathsUsing(value[key], name, path + '.' + key, out);
      });
    }
    return out;
  }

  /*
   * Where each value of a JSON text starts: {"root.interfaces.0": offset}. Only
   * called on text that JSON.parse accepted, to put the schema's errors on the
   * right line of the code editor.
   */
  function valueOffsets(text) {
    var i = 0;
    var offsets = {};
    function space() {
      while (i < text.length && /\s/.test(text[i])) i++;
    }
    function string() {
      var start = i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      i++;
      return JSON.parse(text.slice(start, i));
    }
    function value(path) {
      space();
      offsets[path] = i;
      var c = text[i];
      if (c === '{') {
        i++;
        space();
        if (text[i] === '}') { i++; return; }
        while (i < text.length) {
          space();
          var key = string();
          space();
          i++; // :
          value(path + '.' + key);
          space();
          if (text[i++] === '}') return;
        }
      } else if (c === '[') {
        i++;
        space();
        if (text[i] === ']') { i++; return; }
        for (var n = 0; i < text.length; n++) {
          value(path + '.' + n);
          space();
          if (text[i++] === ']') return;
        }
      } else if (c === '"') {
        string();
      } else {
        while (i < text.length && /[^\s,\]}]/.test(text[i])) i++;
      }
    }
    try {
      value('root');
    } catch (e) {
      /* offsets so far */
    }
    return offsets;
  }

  function position(text, offset) {
    var before = text.slice(0, offset).split('\n');
    return { line: before.length - 1, ch: before[before.length - 1].length };
  }

  // "... at position 42 (line 3 column 5)" -> 42 (V8's JSON.parse messages)
  function syntaxError(text) {
    try {
      return { value: JSON.parse(text) };
    } catch (e) {
      var match = /position (\d+)/.exec(e.message);
      var offset = match ? Number(match[1]) : text.length;
      return { error: e.message, offset: Math.min(offset, text.length) };
    }
  }

  // --- values are text, never markup; no inline style ----------------------------------
  /*
   * json-editor passes every string value through purify(): DOMPurify.sanitize when
   * it is loaded, which rewrites the value ("a && b" becomes "a &amp;&amp; b", a
   * <script> in a file's contents disappears), and otherwise cleanText(), which
   * parses the value with innerHTML (where <img src=x onerror=...> runs). The
   * values only ever reach the value of a form control, where nothing is parsed:
   * they are kept as they are. Titles, which may be keys of the configuration, are
   * set as text (cleanText and updateHeaderText). What json-editor still puts in
   * the page as markup (the descriptions of the schema) it sanitizes with
   * DOMPurify, which is loaded before it.
   *
   * The admin's Content-Security-Policy allows no inline style: the editor's own
   * rules come from static files (disable_theme_rules), and what it hides for screen
   * readers only (and its opt-in checkboxes) gets a class instead of a style
   * attribute.
   */
  var HIDDEN = 'netjsonconfig-visually-hidden';

  function prepareLibrary(JSONEditor) {
    var editor = JSONEditor.AbstractEditor && JSONEditor.AbstractEditor.prototype;
    var theme = JSONEditor.AbstractTheme && JSONEditor.AbstractTheme.prototype;
    if (!editor || !theme || editor.netjsonconfigPrepared) return;
    editor.purify = function (value) { return value; };
    editor.cleanText = theme.cleanText = function (text) {
      return text === undefined || text === null ? '' : String(text);
    };
    theme.visuallyHidden = function (element) {
      if (element) element.classList.add(HIDDEN);
    };
    theme.getHiddenLabel = function (text) {
      var label = document.createElement('label');
      label.textContent = text;
      label.classList.add(HIDDEN);
      return label;
    };
    theme.getHiddenText = function (text) {
      var span = document.createElement('span');
      span.textContent = text;
      span.classList.add(HIDDEN);
      return span;
    };
    // titles (which may be keys of the configuration) as text, not sanitized markup
    editor.updateHeaderText = function () {
      if (!this.header) return;
      var text = this.cleanText(this.getHeaderText());
      var nodes = this.header.childNodes;
      if (this.header.children.length) {
        for (var i = 0; i < nodes.length; i++) {
          if (nodes[i].nodeType === 3) {
            nodes[i].nodeValue = text;
            return;
          }
        }
      } else {
        this.header.textContent = text;
      }
    };
    // made for every optional property, shown with show_opt_in only (not here)
    theme.getOptInCheckbox = function (formname) {
      var container = document.createElement('span');
      var label = this.getHiddenLabel(formname + '-opt-in');
      label.setAttribute('for', formname + '-opt-in');
      var checkbox = document.createElement('input');
      checkbox.type = 'checkbox';
      checkbox.id = formname + '-opt-in';
      checkbox.classList.add('json-editor-opt-in');
      container.appendChild(checkbox);
      container.appendChild(label);
      return { label: label, checkbox: checkbox, container: container };
    };
    editor.netjsonconfigPrepared = true;
  }

  // --- the validator: {{ variables }} are checked by the server, once resolved -----------
  function acceptVariables(validator) {
    var proto = Object.getPrototypeOf(validator);
    if (proto.netjsonconfigVariables) return;
    var original = proto._validateSchema;
    proto._validateSchema = function (schema, value, path) {
      var errors = original.apply(this, arguments);
      if (typeof value === 'string' && VARIABLE.test(value)) {
        var here = path || (this.jsoneditor.root && this.jsoneditor.root.formname) || 'root';
        errors = errors.filter(function (error) {
          return !(error.path === here && LENIENT[error.property]);
        });
      }
      return errors;
    };
    proto.netjsonconfigVariables = true;
  }

  // --- the server's errors ----------------------------------------------------------------
  function serverErrors(textarea, value) {
    var row = textarea.closest('.form-row') || textarea.parentNode;
    var items = row ? row.querySelectorAll('ul.errorlist:not(.netjsonconfig-advanced-errors) li') : [];
    var errors = [];
    Array.prototype.forEach.call(items, function (item) {
      var message = item.textContent.trim();
      var at = / at ((?:[\w-]+|\[\d+\])(?:\.[\w-]+|\[\d+\])*)/.exec(message);
      var unresolved = /unresolved variables?: ([\w, ]+)/.exec(message);
      if (at) {
        errors.push({ path: editorPath(at[1]), property: 'server', message: message });
      } else if (unresolved && value) {
        unresolved[1].split(',').forEach(function (name) {
          name = name.trim();
          pathsUsing(value, name).forEach(function (path) {
            errors.push({
              path: path,
              property: 'server',
              message: gettext('unresolved variable') + ': ' + name
            });
          });
        });
      }
      if (message) errors.messages = (errors.messages || []).concat([message]);
    });
    return errors;
  }

  // --- one editor -------------------------------------------------------------------------
  function ConfigEditor(textarea) {
    this.textarea = textarea;
    this.form = textarea.form;
    this.url = textarea.getAttribute('data-schema-url');
    this.backendSelect = this.form
      ? this.form.querySelector('[name="' + textarea.getAttribute('data-backend-field') + '"]')
      : null;
    this.mode = 'form';
    this.jsoneditor = null;
    this.codemirror = null;
    this.generation = 0;
    this.buildDom();
    var parsed = syntaxError(textarea.value.trim() || '{}');
    this.initialErrors = serverErrors(textarea, parsed.value);
    if (parsed.error || !isObject(parsed.value)) {
      this.setMode('advanced');
      this.notice(parsed.error
        ? gettext('This is not valid JSON: fix it here, then go back to the form.')
        : gettext('The configuration must be a JSON object: fix it here.'), 'error');
    }
    this.rebuild();
    if (this.backendSelect) {
      this.backendSelect.addEventListener('change', this.rebuild.bind(this));
    }
  }

  ConfigEditor.prototype.backend = function () {
    return this.backendSelect ? this.backendSelect.value : '';
  };

  ConfigEditor.prototype.buildDom = function () {
    var self = this;
    var wrapper = document.createElement('div');
    wrapper.className = 'netjsonconfig-editor';
    wrapper.innerHTML =
      '<div class="netjsonconfig-editor-toolbar">' +
      '<button type="button" class="button netjsonconfig-mode-form"></button>' +
      '<button type="button" class="button netjsonconfig-mode-advanced"></button>' +
      '<span class="netjsonconfig-editor-status" role="status" aria-live="polite"></span>' +
      '</div>' +
      '<div class="netjsonconfig-editor-notice" hidden></div>' +
      '<div class="netjsonconfig-form-holder"></div>' +
      '<div class="netjsonconfig-advanced-holder" hidden>' +
      '<div class="netjsonconfig-code"></div>' +
      '<ul class="netjsonconfig-advanced-errors errorlist" aria-live="polite"></ul>' +
      '</div>';
    this.textarea.parentNode.insertBefore(wrapper, this.textarea);
    wrapper.appendChild(this.textarea);
    this.textarea.classList.add('netjsonconfig-source');
    this.textarea.hidden = true;
    this.wrapper = wrapper;
    this.formButton = wrapper.querySelector('.netjsonconfig-mode-form');
    this.advancedButton = wrapper.querySelector('.netjsonconfig-mode-advanced');
    this.formButton.textContent = gettext('Form');
    this.advancedButton.textContent = gettext('Advanced mode (raw JSON)');
    this.status = wrapper.querySelector('.netjsonconfig-editor-status');
    this.noticeBox = wrapper.querySelector('.netjsonconfig-editor-notice');
    this.formHolder = wrapper.querySelector('.netjsonconfig-form-holder');
    this.advancedHolder = wrapper.querySelector('.netjsonconfig-advanced-holder');
    this.errorList = wrapper.querySelector('.netjsonconfig-advanced-errors');
    this.formButton.addEventListener('click', function () { self.toForm(); });
    this.advancedButton.addEventListener('click', function () { self.toAdvanced(); });
    this.updateButtons();
  };

  ConfigEditor.prototype.updateButtons = function () {
    var advanced = this.mode === 'advanced';
    this.formButton.setAttribute('aria-pressed', advanced ? 'false' : 'true');
    this.advancedButton.setAttribute('aria-pressed', advanced ? 'true' : 'false');
    this.wrapper.setAttribute('data-mode', this.mode);
  };

  ConfigEditor.prototype.notice = function (message, kind) {
    this.noticeBox.hidden = !message;
    this.noticeBox.textContent = message || '';
    this.noticeBox.className = 'netjsonconfig-editor-notice' + (kind ? ' is-' + kind : '');
  };

  ConfigEditor.prototype.setStatus = function (message, kind) {
    this.status.textContent = message || '';
    this.status.className = 'netjsonconfig-editor-status' + (kind ? ' is-' + kind : '');
  };

  ConfigEditor.prototype.setMode = function (mode) {
    this.mode = mode;
    this.formHolder.hidden = mode !== 'form';
    this.advancedHolder.hidden = mode !== 'advanced';
    this.updateButtons();
  };

  // the value to show: the textarea's, or {} when it cannot be parsed
  ConfigEditor.prototype.currentValue = function () {
    var parsed = syntaxError(this.textarea.value.trim() || '{}');
    return !parsed.error && isObject(parsed.value) ? parsed.value : null;
  };

  // (re)create the form for the chosen backend, from the textarea's value
  ConfigEditor.prototype.rebuild = function () {
    var self = this;
    var generation = ++this.generation;
    var backend = this.backend();
    this.ready = false; // until the new form is built
    this.setStatus(gettext('Loading the schema…'));
    loadSchemas(this.url).then(function (schemas) {
      if (generation !== self.generation) return;
      var schema = schemas[backend];
      if (!schema) {
        self.setStatus(gettext('No schema for this backend: edit the JSON.'), 'warning');
        self.destroyForm();
        self.setMode('advanced');
        self.ensureCodeEditor();
        return;
      }
      self.createForm(schema, self.currentValue());
    }).catch(function (error) {
      if (generation !== self.generation) return;
      self.setStatus(gettext('The schema could not be loaded: edit the JSON.'), 'error');
      self.setMode('advanced');
      self.ensureCodeEditor();
      if (window.console) window.console.warn(error);
    });
  };

  ConfigEditor.prototype.destroyForm = function () {
    if (this.jsoneditor) {
      try {
        this.jsoneditor.destroy();
      } catch (e) {
        /* not ready yet */
      }
      this.jsoneditor = null;
    }
    this.formHolder.innerHTML = '';
  };

  ConfigEditor.prototype.createForm = function (schema, value) {
    var self = this;
    this.destroyForm();
    schema = JSON.parse(JSON.stringify(schema));
    schema.title = gettext('Configuration');
    schema.options = Object.assign({ disable_collapse: true }, schema.options || {});
    var startval = value || {};
    var editor = new window.JSONEditor(this.formHolder, {
      schema: schema,
      startval: startval,
      theme: 'html',
      disable_theme_rules: true, // vendor/jsoneditor/*.css: no <style> element
      use_name_attributes: false, // nothing of the form is posted but the textarea
      display_required_only: true, // sections are added with "Properties"
      disable_edit_json: true, // the advanced mode does it
      disable_array_delete_all_rows: true,
      disable_array_delete_last_row: true,
      prompt_before_delete: false,
      keep_oneof_values: false,
      show_errors: 'interaction'
    });
    this.jsoneditor = editor;
    this.ready = false;
    editor.promise.then(function () {
      acceptVariables(editor.validator);
    });
    editor.on('ready', function () {
      if (self.jsoneditor !== editor) return;
      self.ready = true;
      var shown = editor.getValue();
      self.baseline = canonical(shown);
      self.lossless = value === null || canonical(shown) === canonical(startval);
      self.allowLongValues();
      if (value === null) {
        // the textarea holds something the form cannot show: stay in advanced mode
        self.setMode('advanced');
        self.ensureCodeEditor();
      } else if (!self.lossless) {
        self.notice(gettext(
          'The form cannot show all of this configuration: it is kept as it is until ' +
          'you change something in the form; the advanced mode shows all of it.'
        ), 'warning');
      } else if (self.noticeBox.classList.contains('is-warning')) {
        self.notice('');
      }
      self.setStatus('');
      self.showServerErrors();
      if (self.mode === 'advanced') self.validateText();
      editor.on('change', function () { self.formChanged(editor); });
      self.wrapper.dispatchEvent(new CustomEvent('netjsonconfig:ready', { bubbles: true }));
    });
  };

  // values longer than a field's maxLength ({{ a_variable }} in a MAC field) can be typed
  ConfigEditor.prototype.allowLongValues = function () {
    var holder = this.formHolder;
    function strip() {
      Array.prototype.forEach.call(holder.querySelectorAll('input[maxlength]'), function (input) {
        input.removeAttribute('maxlength');
      });
    }
    strip();
    if (!this.observer) {
      this.observer = new MutationObserver(strip);
      this.observer.observe(holder, { childList: true, subtree: true });
    }
  };

  ConfigEditor.prototype.formChanged = function (editor) {
    if (!this.ready || this.jsoneditor !== editor) return;
    var value = editor.getValue();
    var now = canonical(value);
    if (now === this.baseline) return; // not changed by the operator (yet)
    this.baseline = now;
    this.textarea.value = pretty(value);
    this.lossless = true;
    if (this.noticeBox.classList.contains('is-warning')) this.notice('');
    this.textarea.dispatchEvent(new Event('change', { bubbles: true }));
  };

  ConfigEditor.prototype.showServerErrors = function () {
    var errors = this.initialErrors;
    if (!errors || !errors.length || !this.jsoneditor) return;
    this.initialErrors = null; // once: the next validation shows the editor's own
    var editor = this.jsoneditor;
    var setting = editor.options.show_errors;
    var first = null;
    editor.options.show_errors = 'always';
    errors.forEach(function (error) {
      var field = editor.getEditor(error.path);
      // a "one of" choice (an interface, an address): the type shown
      if (field && field.editors && typeof field.type === 'number' && field.editors[field.type]) {
        field = field.editors[field.type];
      }
      if (!field || !field.container) return;
      field.showValidationErrors([{ path: field.path, property: 'server', message: error.message }]);
      field.container.classList.add('netjsonconfig-server-error');
      field.container.setAttribute('data-server-error', error.message);
      if (!first) first = field.container;
    });
    editor.options.show_errors = setting;
    if (first && first.scrollIntoView) first.scrollIntoView({ block: 'center' });
  };

  // --- advanced mode ----------------------------------------------------------------------
  ConfigEditor.prototype.ensureCodeEditor = function () {
    var self = this;
    if (this.codemirror || !window.CodeMirror) {
      if (!window.CodeMirror) this.showPlainTextarea();
      return;
    }
    var host = this.advancedHolder.querySelector('.netjsonconfig-code');
    this.codemirror = window.CodeMirror(host, {
      value: this.textarea.value,
      mode: { name: 'javascript', json: true },
      lineNumbers: true,
      matchBrackets: true,
      indentUnit: 4,
      tabSize: 4,
      viewportMargin: Infinity,
      gutters: ['CodeMirror-lint-markers'],
      lint: { getAnnotations: function (text) { return self.annotations(text); }, delay: 250 },
      extraKeys: {
        Esc: function () { self.toForm(); }
      }
    });
    this.codemirror.on('change', function (cm) {
      self.textarea.value = cm.getValue();
      self.textarea.dispatchEvent(new Event('change', { bubbles: true }));
    });
  };

  // no code editor library: the textarea itself, checked as you type
  ConfigEditor.prototype.showPlainTextarea = function () {
    var self = this;
    if (this.plain) return;
    this.plain = true;
    this.advancedHolder.insertBefore(this.textarea, this.errorList);
    this.textarea.hidden = false;
    this.textarea.addEventListener('input', function () { self.validateText(); });
  };

  ConfigEditor.prototype.text = function () {
    return this.codemirror ? this.codemirror.getValue() : this.textarea.value;
  };

  // the problems of the JSON text: [{message, from, to}] (positions for CodeMirror)
  ConfigEditor.prototype.problems = function (text) {
    var parsed = syntaxError(text.trim() ? text : '{}');
    if (parsed.error) {
      var at = position(text, parsed.offset);
      return [{ message: gettext('Invalid JSON') + ': ' + parsed.error, from: at, path: null }];
    }
    if (!isObject(parsed.value)) {
      return [{ message: gettext('The configuration must be a JSON object.'), from: { line: 0, ch: 0 } }];
    }
    if (!this.jsoneditor || !this.ready) return [];
    var offsets = valueOffsets(text);
    return this.jsoneditor.validate(parsed.value).map(function (error) {
      var offset = offsets[error.path];
      return {
        message: readablePath(error.path) + ': ' + error.message,
        from: position(text, offset === undefined ? 0 : offset),
        path: error.path
      };
    });
  };

  ConfigEditor.prototype.annotations = function (text) {
    var problems = this.problems(text);
    this.report(problems);
    return problems.map(function (problem) {
      return {
        message: problem.message,
        severity: 'error',
        from: window.CodeMirror.Pos(problem.from.line, problem.from.ch),
        to: window.CodeMirror.Pos(problem.from.line, problem.from.ch + 1)
      };
    });
  };

  ConfigEditor.prototype.validateText = function () {
    if (this.codemirror && this.codemirror.performLint) {
      this.codemirror.performLint();
    } else {
      this.report(this.problems(this.text()));
    }
  };

  ConfigEditor.prototype.report = function (problems) {
    var list = this.errorList;
    list.innerHTML = '';
    problems.forEach(function (problem) {
      var item = document.createElement('li');
      item.textContent = problem.message + ' (' + gettext('line') + ' ' + (problem.from.line + 1) + ')';
      list.appendChild(item);
    });
    this.wrapper.setAttribute('data-valid', problems.length ? 'false' : 'true');
    if (this.mode === 'advanced') {
      this.setStatus(problems.length
        ? gettext('Problems') + ': ' + problems.length
        : gettext('Valid'), problems.length ? 'error' : 'ok');
    }
  };

  ConfigEditor.prototype.toAdvanced = function () {
    if (this.mode === 'advanced') return;
    this.setMode('advanced');
    this.ensureCodeEditor();
    if (this.codemirror) {
      if (this.codemirror.getValue() !== this.textarea.value) {
        this.codemirror.setValue(this.textarea.value);
      }
      this.codemirror.refresh();
      this.codemirror.focus();
    }
    this.validateText();
  };

  ConfigEditor.prototype.toForm = function () {
    if (this.mode === 'form') return;
    var parsed = syntaxError(this.text().trim() || '{}');
    if (parsed.error || !isObject(parsed.value)) {
      this.validateText();
      this.setStatus(gettext('Fix the JSON before going back to the form.'), 'error');
      return;
    }
    this.notice('');
    this.setMode('form');
    this.setStatus('');
    this.rebuild();
  };

  // --- start -----------------------------------------------------------------------------
  function start(root) {
    if (typeof window.JSONEditor !== 'function') return; // no `make assets`: the textarea
    prepareLibrary(window.JSONEditor);
    var selector = 'textarea[data-netjsonconfig-editor]';
    Array.prototype.forEach.call((root || document).querySelectorAll(selector), function (textarea) {
      if (textarea.netjsonconfigEditor || textarea.closest('.empty-form')) return;
      textarea.netjsonconfigEditor = new ConfigEditor(textarea);
      instances.push(textarea.netjsonconfigEditor);
    });
  }

  window.netjsonconfigEditors = instances;
  window.netjsonconfigEditor = { start: start, readablePath: readablePath, editorPath: editorPath };
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', function () { start(); });
  } else {
    start();
  }
  // an inline added by the admin's "add another" link
  document.addEventListener('formset:added', function (event) { start(event.target); });
})();
