/*
 * django-netjsonconfig: preview before save.
 *
 * The "Preview configuration" button (or ALT+P) posts the change form as it is
 * now (the editors keep the posted fields up to date) to the preview view and
 * shows the rendered files in a dialog, one after the other; the dialog's
 * "Download archive" button, like the form's own, posts the same data with
 * ?download=1 and saves the tar.gz the device would get. Nothing is saved.
 * Without this script the buttons still work: the preview opens in a new tab.
 */
(function () {
  'use strict';

  function gettext(text) {
    return typeof window.gettext === 'function' ? window.gettext(text) : text;
  }

  function filename(response, fallback) {
    var header = response.headers.get('Content-Disposition') || '';
    var match = /filename="?([^";]+)"?/.exec(header);
    return match ? match[1] : fallback;
  }

  function dialog() {
    var box = document.getElementById('netjsonconfig-preview-dialog');
    if (box) return box;
    box = document.createElement('dialog');
    box.id = 'netjsonconfig-preview-dialog';
    box.className = 'netjsonconfig-preview-dialog';
    box.setAttribute('aria-labelledby', 'netjsonconfig-preview-title');
    box.innerHTML =
      '<div class="netjsonconfig-preview-header">' +
      '<h2 id="netjsonconfig-preview-title"></h2>' +
      '<button type="button" class="button netjsonconfig-preview-dialog-download"></button>' +
      '<button type="button" class="button netjsonconfig-preview-close"></button>' +
      '</div>' +
      '<div class="netjsonconfig-preview-body"></div>';
    box.querySelector('h2').textContent = gettext('Preview');
    box.querySelector('.netjsonconfig-preview-dialog-download').textContent = gettext('Download archive');
    box.querySelector('.netjsonconfig-preview-close').textContent = gettext('Close');
    box.querySelector('.netjsonconfig-preview-close').addEventListener('click', function () {
      box.close();
    });
    box.addEventListener('click', function (event) {
      if (event.target === box) box.close(); // a click on the backdrop
    });
    document.body.appendChild(box);
    return box;
  }

  function post(form, url) {
    return fetch(url, {
      method: 'POST',
      body: new FormData(form),
      credentials: 'same-origin',
      headers: { 'X-Requested-With': 'XMLHttpRequest' }
    });
  }

  function showPreview(form, url, downloadUrl) {
    var box = dialog();
    var body = box.querySelector('.netjsonconfig-preview-body');
    var rendering = document.createElement('p');
    rendering.className = 'help';
    rendering.textContent = gettext('Rendering…');
    body.replaceChildren(rendering);
    box.setAttribute('data-state', 'loading');
    box.querySelector('.netjsonconfig-preview-dialog-download').onclick = function () {
      download(form, downloadUrl, box);
    };
    if (!box.open) box.showModal();
    return post(form, url).then(function (response) {
      return response.text().then(function (html) {
        var page = new DOMParser().parseFromString(html, 'text/html');
        var content = page.querySelector('#content-main');
        body.replaceChildren();
        if (content) {
          body.appendChild(document.importNode(content, true));
        } else {
          body.textContent = gettext('The preview failed') + ' (HTTP ' + response.status + ')';
        }
        box.setAttribute('data-state', response.ok ? 'ok' : 'error');
      });
    }).catch(function (error) {
      body.textContent = gettext('The preview failed') + ': ' + error;
      box.setAttribute('data-state', 'error');
    });
  }

  function download(form, url, box) {
    return post(form, url).then(function (response) {
      var type = response.headers.get('Content-Type') || '';
      if (!response.ok || type.indexOf('gzip') === -1) {
        // the errors, as the preview shows them
        return showPreview(form, url.replace(/[?&]download=1/, ''), url);
      }
      return response.blob().then(function (blob) {
        var link = document.createElement('a');
        link.href = URL.createObjectURL(blob);
        link.download = filename(response, 'configuration.tar.gz');
        document.body.appendChild(link);
        link.click();
        window.setTimeout(function () {
          URL.revokeObjectURL(link.href);
          link.remove();
        }, 1000);
        if (box) box.setAttribute('data-downloaded', link.download);
      });
    });
  }

  function start() {
    var previewButton = document.querySelector('button.netjsonconfig-preview');
    if (!previewButton || !window.fetch || !window.HTMLDialogElement) return;
    var form = previewButton.form;
    var url = previewButton.getAttribute('formaction');
    var downloadButton = document.querySelector('button.netjsonconfig-preview-download');
    var downloadUrl = downloadButton ? downloadButton.getAttribute('formaction') : url + '?download=1';
    previewButton.addEventListener('click', function (event) {
      event.preventDefault();
      showPreview(form, url, downloadUrl);
    });
    if (downloadButton) {
      downloadButton.addEventListener('click', function (event) {
        event.preventDefault();
        download(form, downloadUrl, null);
      });
    }
    document.addEventListener('keydown', function (event) {
      if (event.altKey && (event.key === 'p' || event.key === 'P' || event.code === 'KeyP')) {
        event.preventDefault();
        showPreview(form, url, downloadUrl);
      }
    });
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
