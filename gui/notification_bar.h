// The window's notification area: one slim line with the newest message of a MessageLog (its
// colour says how bad, "(×5)" how often), a button that unfolds the whole log, and one that
// dismisses the line. Never a dialog: a master that fails twenty times gives one line, not
// twenty modal boxes.
#pragma once

#include <QWidget>

class QLabel;
class QListView;
class QToolButton;

namespace polyrun::gui {

class MessageLog;

class NotificationBar : public QWidget {
  Q_OBJECT

 public:
  explicit NotificationBar(MessageLog* log, QWidget* parent = nullptr);

  /// The text of the line as shown (tests).
  QString text() const;
  bool isLogShown() const;

 public slots:
  void setLogShown(bool shown);
  /// Hides the line until the next message.
  void dismiss();

 private:
  void onLatestChanged();

  MessageLog* log_;
  QLabel* label_;
  QToolButton* log_button_;
  QToolButton* close_button_;
  QListView* log_view_;
};

}  // namespace polyrun::gui
