"""Small steps an operator takes in the schema editor, for the browser tests."""

import json


def wait_editor(page, index=0):
    """Wait until the ``index``-th config editor of the page has built its form."""
    page.wait_for_function(
        "i => window.netjsonconfigEditors && window.netjsonconfigEditors[i]"
        " && window.netjsonconfigEditors[i].ready",
        arg=index,
    )


def node(page, path):
    """The editor's element of a schema path such as ``root.interfaces.0.mac``."""
    return page.locator(f'[data-schemapath="{path}"]').first


def add_property(page, path, name):
    """Add the optional property ``name`` to the object at ``path`` ("Properties")."""
    button = page.locator(
        f'[data-schemapath="{path}"] > .je-object__controls > .json-editor-btn-edit_properties'
    )
    button.click()
    page.check(f'[id="{path}-{name}"]')
    button.click()  # closes the list


def add_item(page, path):
    """Click the "Add" button of the array at ``path``."""
    page.locator(f'[data-schemapath="{path}"] button.json-editor-btn-add').first.click()


def field(page, path):
    return page.locator(f'[data-schemapath="{path}"] :is(input, select, textarea)').first


def field_errors(page, path):
    """The error messages the editor shows on the field at ``path``."""
    return page.locator(f'[data-schemapath="{path}"] .errmsg').all_inner_texts()


def wait_posted(page, name, text):
    """Wait until the textarea ``name`` holds ``text``: the form writes its changes on
    the next animation frame."""
    page.wait_for_function(
        "([name, text]) => document.querySelector(`textarea[name='${name}']`).value.includes(text)",
        arg=[name, text],
    )


def posted_config(page, name):
    """The JSON the form will post for the textarea ``name``."""
    return json.loads(page.eval_on_selector(f'textarea[name="{name}"]', "e => e.value"))


def type_in_code_editor(page, text, index=0):
    """Replace the advanced mode's text, typed as an operator pastes it."""
    editor = page.locator(".netjsonconfig-code .CodeMirror").nth(index)
    editor.locator(".CodeMirror-lines").click()
    editor.locator("textarea").focus()  # CodeMirror's input
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(text)
