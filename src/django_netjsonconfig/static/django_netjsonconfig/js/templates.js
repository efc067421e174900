/*
 * django-netjsonconfig: the ordered templates of a configuration (sortedm2m's
 * drag-and-drop list, wrapped in <div class="netjsonconfig-templates">).
 *
 *  - only the templates of the backend chosen in the same form are offered: the
 *    others are hidden and unchecked when the backend changes;
 *  - required and default templates are marked; on a new configuration, changing
 *    the backend checks the new backend's required and default ones; required
 *    templates cannot be unchecked once the configuration is saved;
 *  - the templates of the device's group are marked as such (they are applied
 *    with the group whether checked or not).
 * It runs after sortedm2m's own script, which keeps the posted value in step with
 * the checkboxes on their "change" events.
 */
(function () {
  'use strict';

  function gettext(text) {
    return typeof window.gettext === 'function' ? window.gettext(text) : text;
  }

  function parse(text, fallback) {
    try {
      return text ? JSON.parse(text) : fallback;
    } catch (e) {
      return fallback;
    }
  }

  function badge(label, kind) {
    var span = document.createElement('span');
    span.className = 'netjsonconfig-badge netjsonconfig-badge-' + kind;
    span.textContent = label;
    return span;
  }

  function setup(container) {
    if (container.netjsonconfigTemplates || container.closest('.empty-form')) return;
    container.netjsonconfigTemplates = true;
    var form = container.closest('form');
    var info = parse(container.getAttribute('data-templates'), {});
    var groups = parse(container.getAttribute('data-group-templates'), {});
    var lockRequired = container.getAttribute('data-lock-required') === '1';
    var backendSelect = form && form.querySelector('[name="' + container.getAttribute('data-backend-field') + '"]');
    var groupSelect = form && form.querySelector('select[name="' + container.getAttribute('data-group-field') + '"]');
    var fixedGroup = container.getAttribute('data-current-group');
    var list = container.querySelector('.sortedm2m-items');
    if (!list) return;

    function items() {
      return Array.prototype.slice.call(list.querySelectorAll('li'));
    }

    function checkbox(item) {
      return item.querySelector('input[type=checkbox]');
    }

    function meta(item) {
      var box = checkbox(item);
      return box ? info[box.value] : null;
    }

    function changed(box) {
      box.dispatchEvent(new Event('change', { bubbles: true }));
    }

    // the label's "[required]" / "[default]" (for pages without script) becomes a badge
    function dropSuffix(item) {
      Array.prototype.forEach.call(item.querySelector('label').childNodes, function (text) {
        if (text.nodeType === 3) text.nodeValue = text.nodeValue.replace(/\s*\[[^\]]*\]\s*$/, ' ');
      });
    }

    // badges from the data, not from the label text (which an extender may change)
    items().forEach(function (item) {
      var data = meta(item);
      if (!data) return;
      var box = checkbox(item);
      if (data.required || data.default) dropSuffix(item);
      item.setAttribute('data-backend', data.backend);
      item.classList.add('netjsonconfig-template');
      if (data.required) {
        item.classList.add('is-required');
        item.querySelector('label').appendChild(badge(gettext('required'), 'required'));
      } else if (data.default) {
        item.classList.add('is-default');
        item.querySelector('label').appendChild(badge(gettext('default'), 'default'));
      }
      if (data.required && lockRequired) {
        // a saved config keeps its required templates (the server refuses it too)
        box.addEventListener('click', function (event) {
          if (box.checked === false && item.getAttribute('data-was-checked') === '1') {
            event.preventDefault();
            box.checked = true;
            item.classList.add('netjsonconfig-refused');
            window.setTimeout(function () { item.classList.remove('netjsonconfig-refused'); }, 1200);
          }
        });
        if (box.checked) item.setAttribute('data-was-checked', '1');
      }
    });

    function markGroup() {
      var group = groupSelect ? groupSelect.value : fixedGroup;
      var ids = (group && groups[group]) || [];
      items().forEach(function (item) {
        var box = checkbox(item);
        if (!box) return;
        var old = item.querySelector('.netjsonconfig-badge-group');
        if (old) old.remove();
        var inGroup = ids.indexOf(box.value) !== -1;
        item.classList.toggle('is-group', inGroup);
        if (inGroup) {
          var label = groupSelect && groupSelect.selectedOptions.length
            ? groupSelect.selectedOptions[0].textContent.trim()
            : '';
          item.querySelector('label').appendChild(
            badge(label ? gettext('group') + ': ' + label : gettext('group'), 'group')
          );
        }
      });
    }

    function filter(initial) {
      var backend = backendSelect ? backendSelect.value : '';
      var adding = !lockRequired;
      items().forEach(function (item) {
        var data = meta(item);
        var box = checkbox(item);
        if (!data || !box) return;
        var offered = !backend || data.backend === backend;
        item.hidden = !offered;
        item.classList.toggle('netjsonconfig-other-backend', !offered);
        if (!offered && box.checked) {
          box.checked = false;
          changed(box);
        } else if (offered && !initial && adding && (data.required || data.default) && !box.checked) {
          box.checked = true;
          changed(box);
        }
      });
      var shown = items().filter(function (item) { return !item.hidden; }).length;
      var empty = container.querySelector('.netjsonconfig-templates-empty');
      if (!shown && !empty) {
        empty = document.createElement('p');
        empty.className = 'help netjsonconfig-templates-empty';
        empty.textContent = gettext('No template of this backend.');
        list.parentNode.insertBefore(empty, list.nextSibling);
      } else if (shown && empty) {
        empty.remove();
      }
    }

    filter(true);
    markGroup();
    if (backendSelect) backendSelect.addEventListener('change', function () { filter(false); });
    if (groupSelect) groupSelect.addEventListener('change', markGroup);
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll('.netjsonconfig-templates'), setup);
  }

  if (window.django && window.django.jQuery) {
    window.django.jQuery(start); // after sortedm2m's ready handler
  } else if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
