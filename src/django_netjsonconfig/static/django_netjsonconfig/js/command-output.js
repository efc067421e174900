/*
 * django-netjsonconfig: a command's output as it arrives.
 *
 * Polls the command's status view (the page's data-status-url) once a second while the
 * command runs; the output, status and exit code are set as text (textContent), never
 * as HTML. Without this script the page refreshes itself until the command ends.
 */
(function () {
  'use strict';

  function start() {
    var root = document.querySelector('.netjsonconfig-command');
    if (!root || !window.fetch) return;
    var status = root.querySelector('.netjsonconfig-command-status');
    var output = root.querySelector('.netjsonconfig-command-output');
    var exitCode = root.querySelector('.netjsonconfig-command-exit-code');

    function poll() {
      fetch(root.getAttribute('data-status-url'), { credentials: 'same-origin' })
        .then(function (response) {
          if (!response.ok) throw new Error('HTTP ' + response.status);
          return response.json();
        })
        .then(function (command) {
          if (output) output.textContent = String(command.output || '');
          if (status) {
            status.textContent = String(command.status_display || '');
            status.setAttribute('data-status', String(command.status));
          }
          if (exitCode) {
            exitCode.textContent = command.exit_code === null ? '-' : String(command.exit_code);
          }
          if (!command.finished) window.setTimeout(poll, 1000);
        })
        .catch(function () { window.setTimeout(poll, 5000); });
    }

    if (status && status.getAttribute('data-status') === 'in-progress') {
      window.setTimeout(poll, 1000);
    }
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
