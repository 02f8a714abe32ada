#include "notification_bar.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QListView>
#include <QToolButton>
#include <QVBoxLayout>

#include "message_log.h"

namespace polyrun::gui {

NotificationBar::NotificationBar(MessageLog* log, QWidget* parent) : QWidget(parent), log_(log) {
  label_ = new QLabel;
  label_->setObjectName("notificationText");
  label_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  label_->setWordWrap(true);
  log_button_ = new QToolButton;
  log_button_->setObjectName("notificationLogButton");
  log_button_->setText(tr("All messages"));
  log_button_->setCheckable(true);
  close_button_ = new QToolButton;
  close_button_->setObjectName("notificationClose");
  close_button_->setText(QStringLiteral("✕"));
  close_button_->setToolTip(tr("Dismiss"));
  close_button_->setAutoRaise(true);
  log_view_ = new QListView;
  log_view_->setObjectName("notificationLog");
  log_view_->setModel(log_);
  log_view_->setMaximumHeight(140);
  log_view_->setWordWrap(true);
  log_view_->hide();

  auto* line = new QHBoxLayout;
  line->setContentsMargins(8, 3, 4, 3);
  line->addWidget(label_, 1);
  line->addWidget(log_button_);
  line->addWidget(close_button_);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(0);
  layout->addLayout(line);
  layout->addWidget(log_view_);

  setObjectName("notificationBar");
  setAutoFillBackground(true);
  connect(log_button_, &QToolButton::toggled, this, &NotificationBar::setLogShown);
  connect(close_button_, &QToolButton::clicked, this, &NotificationBar::dismiss);
  connect(log_, &MessageLog::latestChanged, this, &NotificationBar::onLatestChanged);
  onLatestChanged();
}

QString NotificationBar::text() const { return label_->text(); }

bool NotificationBar::isLogShown() const { return !log_view_->isHidden(); }

void NotificationBar::setLogShown(bool shown) {
  log_view_->setVisible(shown);
  if (log_button_->isChecked() != shown) log_button_->setChecked(shown);
}

void NotificationBar::dismiss() {
  setLogShown(false);
  hide();
}

void NotificationBar::onLatestChanged() {
  const MessageLog::Entry* latest = log_->latest();
  if (!latest) {
    label_->clear();
    hide();
    return;
  }
  QString text = latest->text;
  if (latest->count > 1) text += QStringLiteral("  (×%1)").arg(latest->count);
  label_->setText(text);
  const QColor color = severityColor(latest->severity);
  QPalette p = palette();
  p.setColor(QPalette::Window, color.lighter(185));
  p.setColor(QPalette::WindowText, color.darker(140));
  setPalette(p);
  log_button_->setText(tr("All messages (%1)").arg(log_->rowCount()));
  show();
}

}  // namespace polyrun::gui
