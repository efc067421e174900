/*
 * django-netjsonconfig: the progress page of a background bulk job.
 *
 * Polls the job's status (the page's data-status-url) once a second until the job
 * is done or failed, and shows it; the status and message are set as text. Without
 * this script the page refreshes itself (a <noscript> refresh) until then.
 */
(function () {
  'use strict';

  function start() {
    var root = document.querySelector('.netjsonconfig-job');
    if (!root || !window.fetch) return;
    var status = root.querySelector('.netjsonconfig-job-status');
    var progress = root.querySelector('.netjsonconfig-progress');

    function set(selector, text) {
      var element = root.querySelector(selector);
      if (element) element.textContent = text;
    }

    function poll() {
      fetch(root.getAttribute('data-status-url'), { credentials: 'same-origin' })
        .then(function (response) {
          if (!response.ok) throw new Error('HTTP ' + response.status);
          return response.json();
        })
        .then(function (job) {
          var label = String(job.status_display || '');
          set('.netjsonconfig-job-status', label.charAt(0).toUpperCase() + label.slice(1));
          status.setAttribute('data-job-status', job.status);
          set('.netjsonconfig-job-done', job.done);
          set('.netjsonconfig-job-percent', job.percent);
          set('.netjsonconfig-job-message', job.message);
          if (progress) {
            progress.value = Number(job.percent) || 0;
            progress.textContent = progress.value + '%';
          }
          if (!job.finished) {
            window.setTimeout(poll, 1000);
          } else if (root.hasAttribute('data-reload-when-finished')) {
            window.location.reload();  // the per-device results, as the server renders them
          }
        })
        .catch(function () { window.setTimeout(poll, 5000); });
    }

    var current = status ? status.getAttribute('data-job-status') : 'done';
    if (current !== 'done' && current !== 'failed') window.setTimeout(poll, 1000);
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
