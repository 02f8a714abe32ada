// Connection > Settings: the master's host, client port and API token. The dialog only edits a
// ConnectionSettings; MainWindow saves it (ClientSettings) and reconnects.
#pragma once

#include <QDialog>

#include "client_settings.h"

class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace polyrun::gui {

class ConnectionDialog : public QDialog {
  Q_OBJECT

 public:
  explicit ConnectionDialog(const ConnectionSettings& settings, QWidget* parent = nullptr);

  /// What the fields say now (host trimmed).
  ConnectionSettings settings() const;
  /// OK is enabled only when the host is not empty.
  bool isAcceptable() const;

 private:
  void validate();

  QLineEdit* host_edit_;
  QSpinBox* port_spin_;
  QLineEdit* token_edit_;
  QLabel* problem_label_;
  QDialogButtonBox* buttons_;
};

}  // namespace polyrun::gui
